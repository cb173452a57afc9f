using Microsoft.Extensions.DependencyInjection;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Cli;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Spectre.Console;

namespace Lookalike.Tests.Gallery;

/// <summary>The command-line verbs: exit codes and output.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class CliTests(LfwGalleryFixture gallery)
{
    private static (IAnsiConsole Console, StringWriter Output) NewConsole()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return (console, output);
    }

    [Fact]
    public async Task EvalSameSex_OutOfRangeCounts_IsBadInputWithTheRanges()
    {
        var (console, output) = NewConsole();

        var code = await CliApp.RunAsync(["eval-same-sex", "--people", "0"], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("1 ≤ --people ≤ 50", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oom", CliApp.Failure)]
    [InlineData("io", CliApp.Failure)]
    [InlineData("format", CliApp.Failure)]
    [InlineData("argument", CliApp.BadInput)]
    public async Task Guard_RuntimeFailures_Exit2_BadInputExits1(string kind, int expected)
    {
        // README: exit codes 0 ok, 1 bad input, 2 runtime failure — out of memory (e.g. from a hostile index file) included
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });

        var code = await CliApp.Guard(console, () => kind switch
        {
            "oom" => throw new OutOfMemoryException(),
            "io" => throw new IOException("disk full"),
            "format" => throw new Lookalike.Index.IndexFormatException("bad header"),
            _ => throw new ArgumentException("bad --k"),
        });

        Assert.Equal(expected, code);
        Assert.Contains(expected == CliApp.Failure ? "failed:" : "error:", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("import")]
    [InlineData("stats")]
    [InlineData("bench-pipeline")]
    [InlineData("eval-lfw")]
    [InlineData("eval-sex")]
    [InlineData("backfill-age-sex")]
    [InlineData("eval-same-sex")]
    [InlineData("train-head")]
    public void IsVerb_KnownVerb_True(string verb)
    {
        Assert.True(CliApp.IsVerb([verb]));
    }

    [Fact]
    public void IsVerb_NoArgumentsOrHostSwitch_False()
    {
        Assert.False(CliApp.IsVerb([]));
        Assert.False(CliApp.IsVerb(["--urls", "http://127.0.0.1:5000"]));
    }

    [Fact]
    public async Task TrainHead_MissingLfwFolder_ExitsOneNamingThePath()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();

        var code = await CliApp.RunAsync(["train-head", "/nonexistent/lfw", "/nonexistent/pairs.txt", "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("/nonexistent/lfw", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1\t1\nSomeone\t1\tx\nA\t1\tB\t1\n")]
    public async Task TrainHead_MalformedPairsFile_ExitsOneBeforeAnyEmbedding(string pairsText)
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        var pairs = Path.Combine(data.Path, "pairs.txt");
        await File.WriteAllTextAsync(pairs, pairsText);
        var cache = Path.Combine(data.Path, "cache");

        var code = await CliApp.RunAsync(["train-head", data.Path, pairs, "--cache", cache, "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("pairs.txt", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("embedding", output.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public async Task TrainHead_CacheIsAFile_ExitsOneNamingTheOption()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        var pairs = Path.Combine(data.Path, "pairs.txt");
        await File.WriteAllTextAsync(pairs, "1\t1\nA\t1\t2\nA\t1\tB\t1\n");
        var cache = Path.Combine(data.Path, "cache.txt");
        await File.WriteAllTextAsync(cache, "not a folder");

        var code = await CliApp.RunAsync(["train-head", data.Path, pairs, "--cache", cache, "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("--cache", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_MissingFolder_ExitsOneNamingThePath()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();

        var code = await CliApp.RunAsync(["import", "/nonexistent/gallery", "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("/nonexistent/gallery", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_TgzThatIsNotATar_ExitsOneNamingTheArchive()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "lfw.tgz");
        await File.WriteAllTextAsync(path, "<html>a download that went wrong</html>");

        var code = await CliApp.RunAsync(["import", path, "--data", data.Path, "--format", "lfw"], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("lfw.tgz is not a readable tar archive", output.ToString(), StringComparison.Ordinal);
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public async Task Import_LfwStyleTgzWithFormatFolder_ImportsAndListsSkipsByTheArchive()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        var lfw = Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style");
        var path = Path.Combine(data.Path, "lfw.tar.gz");
        TarImportTests.WriteTar(path, [.. Directory.GetFiles(lfw, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new TarImportTests.Item("lfw/" + Path.GetRelativePath(lfw, f).Replace('\\', '/'), File.ReadAllBytes(f)))]);

        var code = await CliApp.RunAsync(["import", path, "--data", Path.Combine(data.Path, "store"), "--format", "folder"], console);

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Matches(@"│ 11\s+│ 5\s+│ 6\s+│", text);
        Assert.Contains("lfw.tar.gz!lfw/Person_A/Thumbs.db", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalSex_MissingFolder_ExitsOneNamingThePath()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();

        var code = await CliApp.RunAsync(["eval-sex", "--lfw", "/nonexistent/lfw", "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("/nonexistent/lfw", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalSex_TwoLfwPeople_CountsTheirPhotosAndSkipsSmallFolders()
    {
        // Arrange: two people with 5 photos each, one with 2 (below --min-photos)
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        using var lfw = new TempDirectory();
        foreach (var (person, n) in new[] { ("Angelina_Jolie", 5), ("Colin_Powell", 5), ("Serena_Williams", 2) })
        {
            var dir = Directory.CreateDirectory(System.IO.Path.Combine(lfw.Path, person)).FullName;
            foreach (var f in Directory.GetFiles(System.IO.Path.Combine(TestPaths.SharedData, "lfw", person), "*.jpg").Order(StringComparer.Ordinal).Take(n))
            {
                File.Copy(f, System.IO.Path.Combine(dir, System.IO.Path.GetFileName(f)));
            }
        }

        // Act
        var code = await CliApp.RunAsync(["eval-sex", "--lfw", lfw.Path, "--min-photos", "5", "--max-per-person", "5", "--data", data.Path], console);

        // Assert
        Assert.Equal(0, code);
        Assert.Contains("2 people, 10 photos", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_UnknownFormat_ExitsOne()
    {
        var (console, _) = NewConsole();

        var code = await CliApp.RunAsync(["import", ".", "--format", "flickr"], console);

        Assert.Equal(CliApp.BadInput, code);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task Query_NotAnImage_ExitsOneNamingFileAndReason()
    {
        var (console, output) = NewConsole();
        using var data = new TempDirectory();
        var file = Path.Combine(TestPaths.BugInputs, "b08_text_named.jpg");

        var code = await CliApp.RunAsync(["query", file, "--data", data.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("b08_text_named.jpg", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("not an image", output.ToString(), StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task Query_HeldBackPhoto_PrintsThatPersonFirst()
    {
        var (console, output) = NewConsole();
        var probe = gallery.HeldBack[0];

        var code = await CliApp.RunAsync(["query", probe.Path, "--k", "3", "--data", gallery.DataDirectory], console);

        Assert.Equal(CliApp.Ok, code);
        var text = output.ToString();
        Assert.Contains("Face 1", text, StringComparison.Ordinal);
        var firstRow = text.Split('\n').First(l => l.Contains("│ 1 ", StringComparison.Ordinal));
        Assert.Contains(probe.Person, firstRow, StringComparison.Ordinal);
    }

    /// <summary>A copy of the imported slice whose store says another model made its descriptors.</summary>
    private TempDirectory CopyOfGalleryFromAnotherModel()
    {
        var data = new TempDirectory();
        foreach (var file in Directory.GetFiles(gallery.DataDirectory))
        {
            File.Copy(file, Path.Combine(data.Path, Path.GetFileName(file)));
        }
        new SqliteGalleryStore(data.Path).SetMeta(("model.sha256", "0000000000000000"));
        return data;
    }

    [SharedDataFact("data/lfw")]
    public async Task QueryAndStats_StoreFromAnotherModel_SayTheDescriptorsAreStale()
    {
        using var data = CopyOfGalleryFromAnotherModel();
        var (console, output) = NewConsole();

        var query = await CliApp.RunAsync(["query", gallery.HeldBack[0].Path, "--data", data.Path], console);
        var stats = await CliApp.RunAsync(["stats", "--data", data.Path], console);

        Assert.Equal((CliApp.BadInput, CliApp.Ok), (query, stats));
        var text = output.ToString().Replace("\n", "", StringComparison.Ordinal);
        Assert.Contains("error: The gallery was embedded with model", text, StringComparison.Ordinal);
        Assert.Contains("warning: The gallery was embedded with model", text, StringComparison.Ordinal);
        Assert.Contains("re-import the gallery", text, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task Import_AfterTheModelChanged_WarnsThatStoredDescriptorsWereDropped()
    {
        using var data = CopyOfGalleryFromAnotherModel();
        var (console, output) = NewConsole();

        var code = await CliApp.RunAsync(["import", gallery.HeldBack[0].Path, "--data", data.Path], console);

        Assert.Equal(CliApp.Ok, code);
        var text = output.ToString().Replace("\n", "", StringComparison.Ordinal);
        Assert.Contains($"the descriptors of {gallery.Summary!.Imported} photos stored before were dropped", text, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task Stats_ImportedSlice_ReportsLoadedIndex()
    {
        var (console, output) = NewConsole();

        var code = await CliApp.RunAsync(["stats", "--data", gallery.DataDirectory], console);

        Assert.Equal(CliApp.Ok, code);
        Assert.Contains("loaded from file", output.ToString(), StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task ExportFvecs_ImportedSlice_WritesOneRecordPerFace()
    {
        var (console, _) = NewConsole();
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "gallery.fvecs");

        var code = await CliApp.RunAsync(["export-fvecs", file, "--data", gallery.DataDirectory], console);

        Assert.Equal(CliApp.Ok, code);
        var faces = new SqliteGalleryStore(gallery.DataDirectory).GetFaceFingerprint().Count;
        Assert.Equal(faces * (4L + 128 * 4), new FileInfo(file).Length);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.Equal(128, BitConverter.ToInt32(bytes, 0));
    }

    [Theory]
    [InlineData("abc", "a whole number between 0 and 1000, got 'abc'")]
    [InlineData("2.5", "a whole number between 0 and 1000, got '2.5'")]
    [InlineData("1001", "between 0 and 1000, got 1001")]
    public async Task EvalLfw_BadJitter_ExitsOneNamingTheValue(string jitter, string message)
    {
        var (console, output) = NewConsole();
        var folder = Directory.CreateTempSubdirectory("lookalike-eval-").FullName;
        try
        {
            var pairs = Path.Combine(folder, "pairs.txt");
            File.WriteAllText(pairs, "1\t1\n");

            var code = await CliApp.RunAsync(["eval-lfw", folder, pairs, "--jitter", jitter], console);

            Assert.Equal(CliApp.BadInput, code);
            Assert.Contains(message, output.ToString().Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task EvalLfw_MissingFolder_ExitsOne()
    {
        var (console, _) = NewConsole();

        var code = await CliApp.RunAsync(["eval-lfw", "/nonexistent/lfw", "/nonexistent/pairs.txt"], console);

        Assert.Equal(CliApp.BadInput, code);
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5000" }, false)]
    [InlineData(new[] { "--environment", "Development" }, false)]
    [InlineData(new[] { "urls=http://127.0.0.1:5000" }, false)]
    [InlineData(new[] { "stats" }, true)]
    [InlineData(new[] { "frobnicate" }, true)]
    public void IsCommandLine_VerbOrUnknownWord_TrueHostArgumentsFalse(string[] args, bool expected)
    {
        Assert.Equal(expected, CliApp.IsCommandLine(args));
    }

    [Fact]
    public async Task UnknownVerb_ExitsOneListingTheVerbs()
    {
        var (console, output) = NewConsole();

        var code = await CliApp.RunAsync(["frobnicate"], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("unknown command 'frobnicate'", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("import", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("stats", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_Folder_SaysItIsAFolder()
    {
        var (console, output) = NewConsole();
        using var folder = new TempDirectory();

        var code = await CliApp.RunAsync(["query", folder.Path, "--data", folder.Path], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("is a folder, not an image file", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("query")]
    public async Task ReadOnlyVerb_MissingDataDirectory_ExitsOneAndCreatesNothing(string verb)
    {
        var (console, output) = NewConsole();
        using var temp = new TempDirectory();
        var missing = Path.Combine(temp.Path, "no-such-data");
        var photo = Path.Combine(temp.Path, "photo.jpg");
        await File.WriteAllBytesAsync(photo, [0xFF, 0xD8, 0xFF]);

        var code = await CliApp.RunAsync(verb == "stats" ? ["stats", "--data", missing] : ["query", photo, "--data", missing], console);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("does not exist", output.ToString().Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
    [Fact]
    public async Task AdminVerbs_KeyCreatedListedRevoked_PasswordFromStdinChecked()
    {
        using var data = new TempDirectory();

        var (console, output) = NewConsole();
        Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["create-api-key", "--name", "nightly import", "--data", data.Path], console));
        var key = output.ToString().Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(Lookalike.Web.Security.AdminCredentials.ApiKeyPrefix, StringComparison.Ordinal));

        (console, output) = NewConsole();
        Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["list-api-keys", "--data", data.Path], console));
        Assert.Contains("nightly import", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, output.ToString(), StringComparison.Ordinal); // the key is shown once, never listed

        var original = Console.In;
        try
        {
            (console, output) = NewConsole();
            Console.SetIn(new StringReader("short\n"));
            Assert.Equal(CliApp.BadInput, await CliApp.RunAsync(["set-admin-password", "--password-stdin", "--data", data.Path], console));

            (console, _) = NewConsole();
            Console.SetIn(new StringReader("a long enough admin password\n"));
            Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["set-admin-password", "--password-stdin", "--data", data.Path], console));
        }
        finally
        {
            Console.SetIn(original);
        }

        await using (var factory = new Web.LookalikeAppFactory(data.Path))
        {
            var credentials = factory.Services.GetRequiredService<Lookalike.Web.Security.AdminCredentials>();
            Assert.True(credentials.VerifyPassword("a long enough admin password"));
            Assert.False(credentials.VerifyPassword("short"));
            var stored = credentials.FindApiKey(key);
            Assert.NotNull(stored);

            (console, _) = NewConsole();
            Assert.Equal(CliApp.Ok, await CliApp.RunAsync(["revoke-api-key", stored.Id, "--data", data.Path], console));
            Assert.Null(credentials.FindApiKey(key));
        }

        (console, output) = NewConsole();
        Assert.Equal(CliApp.BadInput, await CliApp.RunAsync(["revoke-api-key", "deadbeef", "--data", data.Path], console));
        Assert.Contains("no API key with id deadbeef", output.ToString(), StringComparison.Ordinal);
    }
}
