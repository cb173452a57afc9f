using System.Diagnostics;
using System.Text;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Cli;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Spectre.Console;

namespace Lookalike.Tests.Gallery;

/// <summary>
/// Distributed import (<c>import &lt;path&gt; --shard i/n</c>): the share function, its validation, and n real importer
/// processes over one store splitting the LFW slice with every photo stored exactly once, a <c>kill -9</c> included.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class ShardedImportTests(LfwGalleryFixture gallery)
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("0/2", 0, 2)]
    [InlineData("1/2", 1, 2)]
    [InlineData(" 6/7 ", 6, 7)]
    public void Parse_ZeroBasedShare_ReadsIndexAndCount(string text, int index, int count)
    {
        var shard = ImportShard.Parse(text);

        Assert.Equal(index, shard.Index);
        Assert.Equal(count, shard.Count);
    }

    [Theory]
    [InlineData("2/2", "0-based")]
    [InlineData("1/1", "0-based")]
    [InlineData("0/0", "at least 1")]
    [InlineData("-1/2", "expected i/n")]
    [InlineData("a/b", "expected i/n")]
    [InlineData("1", "expected i/n")]
    [InlineData("1/2/3", "expected i/n")]
    [InlineData("", "expected i/n")]
    public void Parse_BadShare_ThrowsSayingWhy(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => ImportShard.Parse(text));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShareOf_IsTheSha256PrefixModN_SameOnEveryMachine()
    {
        // Pinned: SHA-256("Aaron_Peirsol/Aaron_Peirsol_0001.jpg") starts 0x…; a change to the function would re-split
        // galleries that are half imported, so the values are fixed here rather than recomputed.
        var key = "Aaron_Peirsol/Aaron_Peirsol_0001.jpg";
        var digest = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var prefix = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(digest);
        foreach (var n in new[] { 1, 2, 3, 7, 100 })
        {
            Assert.Equal((int)(prefix % (ulong)n), ImportShard.ShareOf(key, n));
        }
        Assert.Equal(ImportShard.ShareOf(key, 5), ImportShard.ShareOf(key.Replace('/', '\\'), 5)); // separators do not matter
    }

    [Fact]
    public void KeyOf_IsRelativeToTheImportRoot_FolderOrZip()
    {
        using var root = new TempDirectory();
        Assert.Equal("Ann/Ann_0001.jpg", ImportShard.KeyOf(root.Path, Path.Combine(root.Path, "Ann", "Ann_0001.jpg")));
        Assert.Equal("Ann/Ann_0001.jpg", ImportShard.KeyOf(root.Path + "/", Path.Combine(root.Path, "Ann", "Ann_0001.jpg")));
        var zip = Path.Combine(root.Path, "g.zip");
        File.WriteAllBytes(zip, []);
        Assert.Equal("lfw/Ann/Ann_0001.jpg", ImportShard.KeyOf(zip, zip + "!lfw/Ann/Ann_0001.jpg"));
    }

    [SharedDataFact("data/lfw")]
    public void Shares_OfTheSlice_PartitionEveryFileOnceAndStayBalanced()
    {
        var entries = ImportSources.Enumerate(gallery.SliceDirectory, ImportFormat.Lfw);
        foreach (var n in new[] { 2, 3, 5 })
        {
            var shares = Enumerable.Range(0, n).Select(i => new ImportShard(i, n)).ToList();
            var counts = new int[n];
            foreach (var e in entries)
            {
                var key = ImportShard.KeyOf(gallery.SliceDirectory, e.SourcePath);
                var owners = shares.Where(s => s.Contains(key)).ToList();
                Assert.Single(owners);
                counts[owners[0].Index]++;
            }
            Assert.Equal(entries.Count, counts.Sum());
            // a hash, not a round robin: each share within 40 % of an even split on a slice of a few hundred files
            Assert.All(counts, c => Assert.InRange(c, entries.Count / n * 0.6, entries.Count / n * 1.4));
        }
    }

    [Theory]
    [InlineData("2/2")]
    [InlineData("0/0")]
    [InlineData("x")]
    public async Task Cli_BadShard_ExitsOneSayingWhyAndWritesNothing(string shard)
    {
        using var data = new TempDirectory();
        var output = new StringBuilder();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter(output)), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });

        var code = await CliApp.RunAsync(["import", ".", "--shard", shard, "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("--shard", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(data.Path));
    }

    [SharedDataFact("data/lfw")]
    public async Task TwoShards_InProcessOnSqlite_UnionIsTheWholeSliceOnce()
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        var importer = services.GetRequiredService<GalleryImporter>();
        var all = ImportSources.Enumerate(gallery.SliceDirectory, ImportFormat.Lfw).Count;

        var first = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw, null, new ImportShard(0, 2), null, CancellationToken.None);
        var second = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw, null, new ImportShard(1, 2), null, CancellationToken.None);
        var again = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw, null, new ImportShard(1, 2), null, CancellationToken.None);

        Assert.Equal(all, first.Total + second.Total);
        Assert.Equal(second.Total, first.LeftToOtherShards);
        Assert.Equal(first.Total, second.LeftToOtherShards);
        Assert.Equal(gallery.Summary!.Imported, first.Imported + second.Imported);
        Assert.Equal(gallery.Summary.Skipped, first.Skipped + second.Skipped);
        Assert.Equal(0, again.Imported + again.Skipped);
        Assert.Equal(second.Total, again.AlreadyStored);
        var store = services.GetRequiredService<IGalleryStore>();
        Assert.Equal(gallery.Summary.Imported, store.GetFaceFingerprint().Count);
        Assert.Equal(all, store.GetKnownSourcePaths().Count);
    }

    /// <summary>
    /// Two importer processes at once (0/2 and 1/2) over one PostgreSQL store; shard 0 is killed with SIGKILL once it has
    /// stored some of its share, then re-run. Every file of the slice is then stored once, under its own path, and every
    /// face the one-process import found is there once.
    /// </summary>
    [PostgresFact]
    public async Task TwoShardProcesses_OnPostgres_KillAndRerun_EveryPhotoExactlyOnce()
    {
        Assert.True(gallery.Available, "needs shared/data/lfw");
        using var store = TestStore.Open(StoreOptions.Postgres);
        var connection = store.ConnectionString!;
        var files = ImportSources.Enumerate(gallery.SliceDirectory, ImportFormat.Lfw).Select(e => e.SourcePath).ToList();
        var share0 = files.Count(f => ImportShard.ShareOf(ImportShard.KeyOf(gallery.SliceDirectory, f), 2) == 0);
        using var data0 = new TempDirectory();
        using var data1 = new TempDirectory();

        using (var victim = StartImport(connection, data0.Path, "0/2", out var victimLog))
        using (var other = StartImport(connection, data1.Path, "1/2", out var otherLog))
        {
            var deadline = DateTime.UtcNow.AddSeconds(180);
            while (DateTime.UtcNow < deadline && !victim.HasExited && StoredPaths(connection).Count(p => InShare(p, 0)) < 10)
            {
                await Task.Delay(100);
            }
            Assert.False(victim.HasExited, "shard 0 finished before it could be killed:\n" + victimLog);
            victim.Kill(); // SIGKILL: no cleanup, mid-batch
            await victim.WaitForExitAsync();
            var storedAtKill = StoredPaths(connection).Count(p => InShare(p, 0));
            Assert.InRange(storedAtKill, 10, share0 - 1);

            await WaitAsync(other, otherLog, TimeSpan.FromSeconds(300));
            Assert.Equal(0, other.ExitCode);
            Assert.Contains($"{share0} files left to the other shards", Flat(otherLog), StringComparison.Ordinal);
        }
        using (var rerun = StartImport(connection, data0.Path, "0/2", out var rerunLog))
        {
            await WaitAsync(rerun, rerunLog, TimeSpan.FromSeconds(300));
            Assert.Equal(0, rerun.ExitCode);
        }

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using (var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT source_path) FROM photos", db))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(files.Count, reader.GetInt64(0));
            Assert.Equal(files.Count, reader.GetInt64(1));
        }
        Assert.Equal(files.Order(StringComparer.Ordinal), StoredPaths(connection).Order(StringComparer.Ordinal));
        await using (var command = new NpgsqlCommand("SELECT count(*) FROM faces", db))
        {
            Assert.Equal((long)gallery.Summary!.Imported, (long)(await command.ExecuteScalarAsync())!);
        }
        Assert.Equal(gallery.Summary.Imported, store.Reopen().GetFaceFingerprint().Count);

        bool InShare(string path, int index) => ImportShard.ShareOf(ImportShard.KeyOf(gallery.SliceDirectory, path), 2) == index;
    }

    private Process StartImport(string connection, string data, string shard, out StringBuilder log)
    {
        var dll = typeof(CliApp).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [dll, "import", gallery.SliceDirectory, "--format", "lfw", "--shard", shard, "--data", data])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Lookalike__Store__Provider"] = StoreOptions.Postgres;
        start.Environment["Lookalike__Store__ConnectionString"] = connection;
        start.Environment["COLUMNS"] = "400"; // the summary on one line per row
        var output = new StringBuilder();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log = output;
        return process;
    }

    private static async Task WaitAsync(Process process, StringBuilder log, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"the importer ran over {timeout}:\n{Flat(log)}");
        }
        process.WaitForExit(); // the output readers drain
    }

    private static string Flat(StringBuilder log)
    {
        lock (log) { return log.ToString(); }
    }

    private static List<string> StoredPaths(string connection)
    {
        using var db = new NpgsqlConnection(connection);
        db.Open();
        try
        {
            using var command = new NpgsqlCommand("SELECT source_path FROM photos", db);
            using var reader = command.ExecuteReader();
            var paths = new List<string>();
            while (reader.Read())
            {
                paths.Add(reader.GetString(0));
            }
            return paths;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return []; // the importer has not created the schema yet
        }
    }
}
