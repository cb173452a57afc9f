using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lookalike.Gallery;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Api;
using Lookalike.Web.Security;
using Xunit.Abstractions;

namespace Lookalike.Tests.Web;

/// <summary>A fact that needs both the LFW data and the PostgreSQL test server; skipped, saying which is missing.</summary>
public sealed class PostgresLfwFactAttribute : FactAttribute
{
    public PostgresLfwFactAttribute() => Skip = TestStore.PostgresSkipReason ?? SharedDataFactAttribute.SkipReason("data/lfw");
}

/// <summary>A browser test over the PostgreSQL test server and the CI's two-replica nginx; skipped, saying what is missing.</summary>
public sealed class NginxReplicasFactAttribute : FactAttribute
{
    /// <summary><c>LOOKALIKE_TEST_NGINX_REPLICAS=&lt;nginx url&gt;|&lt;port&gt;|&lt;port&gt;</c>, set by <c>.ci/run</c> after <c>.ci/nginx.sh start-replicas</c>.</summary>
    internal static readonly string? Nginx = Environment.GetEnvironmentVariable("LOOKALIKE_TEST_NGINX_REPLICAS");

    public NginxReplicasFactAttribute()
    {
        Skip = TestStore.PostgresSkipReason ?? SharedDataFactAttribute.SkipReason("data/lfw");
        if (Skip is null && !BrowserApp.Available)
        {
            Skip = $"needs {BrowserApp.ChromiumPath} (apt-get install chromium)";
        }
        if (Skip is null && Nginx is null)
        {
            Skip = "needs LOOKALIKE_TEST_NGINX_REPLICAS: run .ci/nginx.sh start-replicas and export the line it prints (.ci/run does both)";
        }
    }
}

/// <summary>
/// Two app processes (the built Lookalike.Web) on one PostgreSQL store, as two replicas behind a load balancer: a CLI
/// import, a rename and a delete through one show in the other's <c>/api/stats</c> and search results within 2 s (by
/// LISTEN/NOTIFY, not the 3 s polling), and a replica killed during an import catches up when it starts again.
/// </summary>
public sealed class ReplicaSyncTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(2);
    private static readonly string AppDll = typeof(Lookalike.Web.Cli.CliApp).Assembly.Location;

    [PostgresLfwFact]
    public async Task ImportRenameDelete_ThroughOneReplica_ShowInTheOtherWithinTwoSeconds()
    {
        using var store = TestStore.Open(StoreOptions.Postgres);
        using var slice = Slice(people: 10, photosEach: 2, skip: 0);
        using var importerData = new TempDirectory();
        var key = AdminKey(store);
        await using var a = await Replica.StartAsync(store.ConnectionString!, output);
        await using var b = await Replica.StartAsync(store.ConnectionString!, output);

        // a CLI import through its own data directory: both replicas show every stored face
        await RunCliImportAsync(store.ConnectionString!, slice.Path, importerData.Path);
        var imported = Stopwatch.StartNew();
        var stored = store.Store.GetStats().Faces;
        Assert.True(stored >= 15, $"only {stored} faces were stored");
        await WaitUntilAsync(async () => (await b.StatsAsync()).IndexCount == stored, $"replica B's index holds the {stored} stored faces");
        output.WriteLine($"import visible in B {imported.ElapsedMilliseconds} ms after the CLI exited");
        Assert.True(imported.Elapsed < Visible, $"the import showed in B after {imported.ElapsedMilliseconds} ms");
        await WaitUntilAsync(async () => (await a.StatsAsync()).IndexCount == stored, "replica A's index holds the stored faces");

        // B's /api/match finds a photo of an imported person
        var probe = Directory.GetFiles(Directory.GetDirectories(slice.Path).Order(StringComparer.Ordinal).First(), "*.jpg").Order(StringComparer.Ordinal).First();
        var person = Path.GetFileName(Path.GetDirectoryName(probe)!).Replace('_', ' ');
        var match = await b.MatchAsync(probe);
        Assert.Equal(person, match.Faces[0].Matches[0].Person);
        var personId = match.Faces[0].Matches[0].PersonId;

        // a rename through A shows in B's results (the index's names) within 2 s
        a.Admin(key);
        var (descriptor, faceId) = Descriptor(store, personId);
        var timer = Stopwatch.StartNew();
        (await a.Http.PostAsJsonAsync($"/api/admin/people/{personId}/rename", new { name = "Renamed On A" })).EnsureSuccessStatusCode();
        var renamedAfter = await UntilAsync(async () => (await b.SearchAsync(descriptor)).Neighbors[0].Person == "Renamed On A", timer, "B's search shows the new name");
        Assert.True(renamedAfter < Visible, $"the rename showed in B after {renamedAfter.TotalMilliseconds} ms");
        Assert.Equal("Renamed On A", (await b.MatchAsync(probe)).Faces[0].Matches[0].Person);

        // a delete of the person through A: B never returns them again and its index shrinks
        var faces = store.Store.GetPerson(personId)!.Faces.Count;
        timer.Restart();
        (await a.Http.DeleteAsync($"/api/admin/people/{personId}")).EnsureSuccessStatusCode();
        var deletedAfter = await UntilAsync(async () => (await b.SearchAsync(descriptor)).Neighbors.All(n => n.PersonId != personId), timer, "B's search no longer returns the deleted person");
        Assert.True(deletedAfter < Visible, $"the delete showed in B after {deletedAfter.TotalMilliseconds} ms");
        Assert.Equal(stored - faces, (await b.StatsAsync()).IndexCount);
        Assert.DoesNotContain((await b.MatchAsync(probe)).Faces[0].Matches, m => m.PersonId == personId || m.FaceId == faceId);

        // notification-to-visible latency over 20 renames through A, seen in B's search results
        var other = (await b.SearchAsync(descriptor)).Neighbors[0];
        var latencies = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var name = $"Latency {i}";
            timer.Restart();
            (await a.Http.PostAsJsonAsync($"/api/admin/people/{other.PersonId}/rename", new { name })).EnsureSuccessStatusCode();
            var committed = timer.Elapsed;
            var seen = await UntilAsync(async () => (await b.SearchAsync(descriptor)).Neighbors[0].Person == name, timer, $"B shows {name}");
            latencies.Add((seen - committed).TotalMilliseconds);
        }
        latencies.Sort();
        output.WriteLine($"rename on A to visible in B's search: median {latencies[10]:0} ms, min {latencies[0]:0} ms, max {latencies[^1]:0} ms (n=20, polled every 5 ms)");
        Assert.True(latencies[^1] < Visible.TotalMilliseconds, $"the slowest rename took {latencies[^1]:0} ms");

        // the listening connections drop (the server ends them): the replicas reconnect and catch up on what they missed
        Assert.Equal(2, TerminateListeners(store));
        (await a.Http.PostAsJsonAsync($"/api/admin/people/{other.PersonId}/rename", new { name = "After Reconnect" })).EnsureSuccessStatusCode();
        timer.Restart();
        var reconnectedAfter = await UntilAsync(async () => (await b.SearchAsync(descriptor)).Neighbors[0].Person == "After Reconnect", timer, "B shows the rename made while its listener was down");
        output.WriteLine($"rename made while B's listener was down visible after {reconnectedAfter.TotalMilliseconds:0} ms");
        await WaitUntilAsync(() => Task.FromResult(ListenerCount(store) == 2), "both replicas listen again", TimeSpan.FromSeconds(10));
    }

    /// <summary>Ends the server sessions that LISTEN on this store's channel (as a dropped connection would); returns how many.</summary>
    private static int TerminateListeners(TestStore store) =>
        ScalarInt(store, "SELECT COUNT(pg_terminate_backend(pid))::integer FROM pg_stat_activity WHERE query = @q");

    private static int ListenerCount(TestStore store) => ScalarInt(store, "SELECT COUNT(*)::integer FROM pg_stat_activity WHERE query = @q");

    private static int ScalarInt(TestStore store, string sql)
    {
        var channel = ((Lookalike.Gallery.Postgres.PostgresGalleryStore)store.Store).ChangeChannel;
        using var connection = new Npgsql.NpgsqlConnection(TestStore.PostgresServer);
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("q", $"LISTEN \"{channel}\"");
        return (int)command.ExecuteScalar()!;
    }

    [PostgresLfwFact]
    public async Task ReplicaKilledDuringAnImport_CatchesUpWhenStartedAgain()
    {
        using var store = TestStore.Open(StoreOptions.Postgres);
        using var slice = Slice(people: 40, photosEach: 3, skip: 1);
        using var importerData = new TempDirectory();
        using var replicaData = new TempDirectory();
        var b = await Replica.StartAsync(store.ConnectionString!, output, replicaData.Path);
        var import = StartCliImport(store.ConnectionString!, slice.Path, importerData.Path, out var importOutput);
        try
        {
            await WaitUntilAsync(() => Task.FromResult(store.Store.GetStats().Faces >= 10), "the import stored 10 faces", TimeSpan.FromSeconds(90));
            await WaitUntilAsync(async () => (await b.StatsAsync()).IndexCount >= 10, "B follows the import");
            await b.DisposeAsync(); // killed
            // while B is down: more batches and a delete of a face B holds
            var before = store.Store.GetStats().Faces;
            await WaitUntilAsync(() => Task.FromResult(import.HasExited || store.Store.GetStats().Faces > before + 5), "the import went on", TimeSpan.FromSeconds(90));
            var dimension = store.Store.GetModel()!.Dimension;
            var held = store.Store.ReadAllEmbeddings(dimension);
            var deleted = held.Faces[0];
            var deletedVector = held.Vectors[..dimension];
            Assert.NotNull(store.Store.DeleteFace(deleted.FaceId));
            b = await Replica.StartAsync(store.ConnectionString!, output, replicaData.Path);
            await import.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
            Assert.True(import.ExitCode == 0, $"the import exited with {import.ExitCode}:\n{importOutput}");
            var stored = store.Store.GetStats().Faces;
            await WaitUntilAsync(async () => (await b.StatsAsync()).IndexCount == stored, $"the restarted B holds the {stored} stored faces");
            var stats = await b.StatsAsync();
            Assert.Equal(stats.Faces, stats.IndexCount);
            var neighbors = (await b.SearchAsync(deletedVector)).Neighbors;
            Assert.DoesNotContain(neighbors, n => n.Label == deleted.FaceId);
        }
        finally
        {
            if (!import.HasExited)
            {
                import.Kill(entireProcessTree: true);
            }
            import.Dispose();
            await b.DisposeAsync();
        }
    }

    /// <summary>
    /// nginx in front of two replicas (deploy/lookalike-replicas.conf, sticky by its affinity cookie, started by <c>.ci/nginx.sh
    /// start-replicas</c>): Chromium uploads a photo through nginx and gets cards; the replica that holds the circuit
    /// (named by <c>X-Lookalike-Replica</c>) is killed; the page recovers on the other replica by itself (the circuit's
    /// reconnect is rejected there and the page reloads) and a second upload gets cards, served by the survivor.
    /// </summary>
    [NginxReplicasFact]
    public async Task BehindNginx_ReplicaHoldingTheCircuitKilled_PageRecoversOnTheOtherAndSearches()
    {
        var parts = NginxReplicasFactAttribute.Nginx!.Split('|');
        var url = parts[0];
        var ports = parts[1..].Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using var store = TestStore.Open(StoreOptions.Postgres);
        using var slice = Slice(people: 6, photosEach: 3, skip: 3);
        using var importerData = new TempDirectory();
        await RunCliImportAsync(store.ConnectionString!, slice.Path, importerData.Path);
        var replicas = new Dictionary<string, Replica>(StringComparer.Ordinal)
        {
            ["web-1"] = await Replica.StartAsync(store.ConnectionString!, output, port: ports[0], name: "web-1"),
            ["web-2"] = await Replica.StartAsync(store.ConnectionString!, output, port: ports[1], name: "web-2"),
        };
        try
        {
            var stored = store.Store.GetStats().Faces;
            foreach (var r in replicas.Values)
            {
                await WaitUntilAsync(async () => (await r.StatsAsync()).IndexCount == stored, "both replicas hold the stored faces");
            }
            var people = Directory.GetDirectories(slice.Path).Order(StringComparer.Ordinal).ToArray();
            var probes = people.Take(2).Select(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).First()).ToArray();

            using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            await using var browser = await BrowserApp.LaunchAsync(playwright, []);
            var context = await browser.NewContextAsync(new Microsoft.Playwright.BrowserNewContextOptions { BaseURL = url });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            await BrowserApp.RunAsync(page, nameof(BehindNginx_ReplicaHoldingTheCircuitKilled_PageRecoversOnTheOtherAndSearches), async () =>
            {
                var first = await page.GotoAsync("/");
                var holder = first!.Headers[ReplicaHeader.HeaderName.ToLowerInvariant()];
                Assert.Contains(holder, replicas.Keys);
                await page.Locator("[data-interactive=true]").WaitForAsync();
                await UploadAndExpectAsync(page, probes[0]);

                // kill the replica holding the circuit; the page must come back by itself, on the other one
                var survivor = replicas.Keys.Single(k => k != holder);
                await replicas[holder].KillAsync();
                var reloaded = await page.WaitForResponseAsync(r => r.Url.TrimEnd('/') == url.TrimEnd('/') && r.Request.Method == "GET",
                    new Microsoft.Playwright.PageWaitForResponseOptions { Timeout = 60_000 });
                Assert.Equal(survivor, reloaded.Headers[ReplicaHeader.HeaderName.ToLowerInvariant()]);
                await page.Locator("[data-interactive=true]").WaitForAsync();
                await UploadAndExpectAsync(page, probes[1]);
                output.WriteLine($"circuit on {holder}, killed; page recovered on {survivor}");
            });
        }
        finally
        {
            foreach (var r in replicas.Values)
            {
                await r.DisposeAsync();
            }
        }
    }

    private static async Task UploadAndExpectAsync(Microsoft.Playwright.IPage page, string photo)
    {
        var person = Path.GetFileName(Path.GetDirectoryName(photo)!).Replace('_', ' ');
        await page.Locator("input[data-testid=upload]").SetInputFilesAsync(photo);
        var card = page.Locator($"[data-testid=match-card][data-person=\"{person}\"]").First;
        await card.WaitForAsync(new Microsoft.Playwright.LocatorWaitForOptions { Timeout = 60_000 });
    }

    private static string AdminKey(TestStore store) => new AdminCredentials(store.Store, TimeProvider.System).CreateApiKey("replica sync test").Key;

    private static (float[] Descriptor, long FaceId) Descriptor(TestStore store, long personId)
    {
        var dimension = store.Store.GetModel()!.Dimension;
        var all = store.Store.ReadAllEmbeddings(dimension);
        var i = Array.FindIndex(all.Faces, f => f.PersonId == personId);
        return (all.Vectors.AsSpan(i * dimension, dimension).ToArray(), all.Faces[i].FaceId);
    }

    /// <summary>A folder of LFW people (every 7th with enough photos, from <paramref name="skip"/>), <paramref name="photosEach"/> photos each.</summary>
    private static TempDirectory Slice(int people, int photosEach, int skip)
    {
        var folder = new TempDirectory("lookalike-replicas");
        var lfw = Path.Combine(TestPaths.SharedData, "lfw");
        foreach (var dir in Directory.GetDirectories(lfw).Order(StringComparer.Ordinal)
                     .Where(d => Directory.GetFiles(d, "*.jpg").Length >= photosEach).Where((_, i) => i % 7 == skip).Take(people))
        {
            var target = Directory.CreateDirectory(Path.Combine(folder.Path, Path.GetFileName(dir))).FullName;
            foreach (var file in Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).Take(photosEach))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }
        return folder;
    }

    private static ProcessStartInfo AppStart(string connectionString, string dataDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [AppDll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Lookalike__DataDirectory"] = dataDirectory;
        start.Environment["Lookalike__Store__Provider"] = "postgres";
        start.Environment["Lookalike__Store__ConnectionString"] = connectionString;
        start.Environment["Lookalike__RateLimits__MatchPerMinute"] = "0";
        return start;
    }

    private static Process StartCliImport(string connectionString, string folder, string dataDirectory, out StringBuilder text)
    {
        var log = new StringBuilder();
        var process = Process.Start(AppStart(connectionString, dataDirectory, "import", folder, "--format", "lfw", "--data", dataDirectory))!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        text = log;
        return process;
    }

    private static async Task RunCliImportAsync(string connectionString, string folder, string dataDirectory)
    {
        using var process = StartCliImport(connectionString, folder, dataDirectory, out var text);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
        lock (text)
        {
            Assert.True(process.ExitCode == 0, $"the import exited with {process.ExitCode}:\n{text}");
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 5 ms (at most 10 s); returns <paramref name="timer"/>'s reading when it held.</summary>
    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, Stopwatch timer, string what)
    {
        while (!await condition())
        {
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(10), $"timed out waiting until {what}");
            await Task.Delay(5);
        }
        return timer.Elapsed;
    }

    /// <summary>One app process on a free loopback port.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();
        private readonly TempDirectory? _ownData;
        private readonly ITestOutputHelper _output;
        private bool _disposed;

        private Replica(Process process, int port, TempDirectory? ownData, ITestOutputHelper output)
        {
            _process = process;
            _ownData = ownData;
            _output = output;
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public HttpClient Http { get; }

        public static async Task<Replica> StartAsync(string connectionString, ITestOutputHelper output, string? dataDirectory = null, int? port = null, string? name = null)
        {
            var own = dataDirectory is null ? new TempDirectory() : null;
            port ??= FreePort();
            var start = AppStart(connectionString, dataDirectory ?? own!.Path, "--urls", $"http://127.0.0.1:{port}");
            if (name is not null)
            {
                start.Environment["Lookalike__ReplicaName"] = name;
            }
            var process = Process.Start(start)!;
            var replica = new Replica(process, port.Value, own, output);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                Assert.False(process.HasExited, "a replica exited:\n" + replica.Log);
                Assert.True(DateTime.UtcNow < deadline, "a replica did not get ready within 120 s:\n" + replica.Log);
                try
                {
                    if ((await replica.StatsAsync()).IndexState == "Ready")
                    {
                        return replica;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(200);
            }
        }

        private string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public void Admin(string key) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        public async Task<StatsDto> StatsAsync() => (await Http.GetFromJsonAsync<StatsDto>("/api/stats"))!;

        public async Task<SearchResponse> SearchAsync(float[] descriptor)
        {
            using var response = await Http.PostAsJsonAsync("/api/search", new { embedding = descriptor, k = 10 });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
        }

        public async Task<MatchResponse> MatchAsync(string photo)
        {
            using var content = new MultipartFormDataContent();
            var file = new ByteArrayContent(await File.ReadAllBytesAsync(photo));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            content.Add(file, "image", Path.GetFileName(photo));
            using var response = await Http.PostAsync(new Uri("/api/match?k=10", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<MatchResponse>())!;
        }

        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await KillAsync();
            var log = Log;
            _output.WriteLine(string.Join('\n', log.Split('\n').Where(l => l.Contains("store change", StringComparison.Ordinal) || l.Contains("change channel", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(40)));
            Http.Dispose();
            _process.Dispose();
            _ownData?.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
