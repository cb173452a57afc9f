using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Evaluation;
using Lookalike.Web.Api;
using Lookalike.Web.Gallery;
using Spectre.Console;

namespace Lookalike.Web.Cli;

/// <summary>
/// The command-line verbs of the app (same executable): import, query, export-fvecs, rebuild-index, stats.
/// Exit codes: 0 ok, 1 bad input, 2 runtime failure; messages name the file and the reason.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code of a success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code of bad input (missing file, unknown format, not an image).</summary>
    public const int BadInput = 1;

    /// <summary>Exit code of a runtime failure.</summary>
    public const int Failure = 2;

    private static readonly string[] Verbs = ["import", "query", "eval-lfw", "export-fvecs", "bench-pipeline", "rebuild-index", "stats", "--help", "-h", "-?"];

    /// <summary>True when the first argument is one of the verbs (otherwise the web app starts).</summary>
    public static bool IsVerb(string[] args) => args is { Length: > 0 } && Verbs.Contains(args[0], StringComparer.Ordinal);

    /// <summary>
    /// True when the arguments are for the command line rather than the web host: a verb, or a first word that is not a host
    /// switch (<c>--urls …</c>, <c>/urls …</c> or <c>urls=…</c>) — an unknown verb, which <see cref="RunAsync"/> refuses
    /// instead of starting the web app with it.
    /// </summary>
    public static bool IsCommandLine(string[] args) =>
        IsVerb(args) || (args is { Length: > 0 } && args[0].Length > 0 && args[0][0] is not '-' and not '/' && !args[0].Contains('=', StringComparison.Ordinal));

    /// <summary>The verbs, for messages.</summary>
    public static string VerbList => string.Join(", ", Verbs.Where(v => v[0] != '-'));

    /// <summary>Parses and runs a verb.</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        if (args is { Length: > 0 } && !IsVerb(args) && IsCommandLine(args))
        {
            console.MarkupLineInterpolated($"[red]error:[/] unknown command '{args[0]}'; the verbs are {VerbList} (--help lists them; no verb starts the web app)");
            return BadInput;
        }
        var dataOption = new Option<string?>("--data") { Recursive = true, Description = "Data directory (default: Lookalike:DataDirectory, ./data; or env Lookalike__DataDirectory)." };
        var root = new RootCommand("Lookalike: which celebrities do you look like? Without a verb the web app starts.");
        root.Options.Add(dataOption);

        var importPath = new Argument<string>("path") { Description = "A folder (LFW, CelebA or one subfolder per person), a .zip of one, or a single photo." };
        var format = new Option<string>("--format") { Description = "Layout: auto, lfw, celeba or folder.", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "lfw", "celeba", "folder");
        var import = new Command("import", "Import a gallery into the store (resumable: only what is not stored yet is embedded).") { importPath, format };
        import.SetAction((r, ct) => Guard(console, () => ImportAsync(console, r.GetValue(dataOption), r.GetValue(importPath)!, r.GetValue(format)!, ct)));
        root.Subcommands.Add(import);

        var image = new Argument<string>("image") { Description = "A photo." };
        var k = new Option<int>("--k") { Description = "Number of neighbours per face (1–200).", DefaultValueFactory = _ => 10 };
        var query = new Command("query", "Print each face of a photo and its nearest gallery faces with distances.") { image, k };
        query.SetAction((r, ct) => Guard(console, () => QueryAsync(console, r.GetValue(dataOption), r.GetValue(image)!, r.GetValue(k), ct)));
        root.Subcommands.Add(query);

        var file = new Argument<string>("file") { Description = "Output .fvecs file (per vector: int32 dimension, then float32 values)." };
        var export = new Command("export-fvecs", "Write the gallery's descriptors as .fvecs (for the index benchmark).") { file };
        export.SetAction((r, ct) => Guard(console, () => ExportAsync(console, r.GetValue(dataOption), r.GetValue(file)!, ct)));
        root.Subcommands.Add(export);

        var rebuild = new Command("rebuild-index", "Rebuild the HNSW index from the stored descriptors (no re-embedding).");
        rebuild.SetAction((r, ct) => Guard(console, () => RebuildAsync(console, r.GetValue(dataOption), ct)));
        root.Subcommands.Add(rebuild);

        var stats = new Command("stats", "Gallery and index statistics (loads or rebuilds the index, and says which and how long).");
        stats.SetAction((r, ct) => Guard(console, () => StatsAsync(console, r.GetValue(dataOption), ct)));
        root.Subcommands.Add(stats);

        var lfwDir = new Argument<string>("lfw-dir") { Description = "The LFW folder (<Person>/<Person>_NNNN.jpg)." };
        var pairs = new Argument<string>("pairs") { Description = "The pairs file (View 2 format, e.g. pairs_folds1-8.txt)." };
        var jitter = new Option<int?>("--jitter")
        {
            Description = "Also report the descriptor averaged over this many jittered chips (0–1000; default: Lookalike:Faces:Jitter).",
            CustomParser = result =>
            {
                var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }
                result.AddError($"--jitter must be a whole number between 0 and {ChipJitter.MaxCount}, got '{token}'");
                return null;
            },
        };
        var eval = new Command("eval-lfw", "LFW verification protocol (10-fold style over the folds present) and rank-1 for the face pipeline.") { lfwDir, pairs, jitter };
        eval.SetAction((r, ct) => Guard(console, () => EvalLfwAsync(console, r.GetValue(dataOption), r.GetValue(lfwDir)!, r.GetValue(pairs)!, r.GetValue(jitter), ct)));
        root.Subcommands.Add(eval);

        var photos = new Option<string?>("--photos") { Description = "A folder of photos (searched recursively); default: the gallery's imported photos." };
        var count = new Option<int>("--count") { Description = "Photos to time (1–10000).", DefaultValueFactory = _ => 300 };
        var bench = new Command("bench-pipeline", "Time each stage of the face pipeline (decode, detect, landmarks, align, embed) on real photos.") { photos, count };
        bench.SetAction((r, ct) => Guard(console, () => BenchPipelineAsync(console, r.GetValue(dataOption), r.GetValue(photos), r.GetValue(count), ct)));
        root.Subcommands.Add(bench);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }
            return BadInput;
        }
        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    private static async Task<int> Guard(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ImageRejectedException or ArgumentException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return Failure;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            console.MarkupLineInterpolated($"[red]failed:[/] {ex.GetType().Name}: {ex.Message}");
            return Failure;
        }
    }

    private static IHost BuildHost(string? dataDirectory, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            builder.Configuration.AddInMemoryCollection([new("Lookalike:DataDirectory", Path.GetFullPath(dataDirectory))]);
        }
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.ClearProviders();
        builder.Services.AddLookalikeGallery(builder.Configuration);
        return builder.Build();
    }

    /// <summary>For the read-only verbs: says so and returns true when the data directory does not exist (instead of creating an empty store).</summary>
    private static bool MissingDataDirectory(IAnsiConsole console, IHost host)
    {
        var directory = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LookalikeOptions>>().Value.DataDirectoryFullPath;
        if (Directory.Exists(directory))
        {
            return false;
        }
        console.MarkupLineInterpolated($"[red]error:[/] data directory {directory} does not exist — import a gallery first, or pass --data <dir>");
        return true;
    }

    private static async Task<int> ImportAsync(IAnsiConsole console, string? data, string path, string formatName, CancellationToken ct)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {path}: no such folder, .zip or photo");
            return BadInput;
        }
        var format = Enum.Parse<ImportFormat>(formatName, ignoreCase: true);
        using var host = BuildHost(data);
        var importer = host.Services.GetRequiredService<GalleryImporter>();
        var store = host.Services.GetRequiredService<GalleryStore>();
        console.MarkupLineInterpolated($"Importing [bold]{Path.GetFullPath(path)}[/] ({format}) into {store.DatabasePath}");
        var peak = 0L;
        ImportSummary? summary = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("import", maxValue: 1);
                var progress = new Progress<ImportProgress>(p =>
                {
                    peak = Math.Max(peak, Environment.WorkingSet);
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Processed;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"{p.Imported} imported, {p.Skipped} skipped, {p.AlreadyStored} already stored, {p.ImagesPerSecond:0.0} img/s, ETA {(p.Eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?")}");
                });
                summary = await importer.ImportAsync(path, format, progress, ct).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        peak = Math.Max(peak, Environment.WorkingSet);
        var s = summary!;
        var table = new Table().AddColumns("total", "imported", "skipped", "already stored", "faces found", "seconds", "images/s", "peak working set");
        table.AddRow(
            s.Total.ToString(CultureInfo.InvariantCulture), s.Imported.ToString(CultureInfo.InvariantCulture), s.Skipped.ToString(CultureInfo.InvariantCulture),
            s.AlreadyStored.ToString(CultureInfo.InvariantCulture), s.FacesFound.ToString(CultureInfo.InvariantCulture),
            s.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), s.ImagesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
            $"{Math.Max(peak, PeakWorkingSet()) / (1024 * 1024)} MiB");
        console.Write(table);
        if (s.DescriptorsDropped > 0)
        {
            console.MarkupLineInterpolated($"[yellow]warning:[/] the face model or its settings changed ({DescriptorIdentity.Of(host.Services.GetRequiredService<FacePipeline>()).Name}): the descriptors of {s.DescriptorsDropped} photos stored before were dropped; import their folders again to bring them back.");
        }
        if (s.SkippedFiles.Count > 0)
        {
            var skipped = new Table().AddColumns("skipped file", "reason");
            foreach (var f in s.SkippedFiles.Take(50))
            {
                skipped.AddRow(Markup.Escape(f.SourcePath), Markup.Escape(f.Reason));
            }
            console.Write(skipped);
            if (s.SkippedFiles.Count > 50)
            {
                console.MarkupLineInterpolated($"… and {s.SkippedFiles.Count - 50} more (see the gallery page or /api/stats).");
            }
        }
        return s.Cancelled ? Failure : Ok;
    }

    private static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static async Task<int> QueryAsync(IAnsiConsole console, string? data, string imagePath, int k, CancellationToken ct)
    {
        if (Directory.Exists(imagePath))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: is a folder, not an image file");
            return BadInput;
        }
        if (!File.Exists(imagePath))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: no such file");
            return BadInput;
        }
        if (k is < 1 or > MatchService.MaxK)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --k must be between 1 and {MatchService.MaxK}, got {k}");
            return BadInput;
        }
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var indexHost = host.Services.GetRequiredService<GalleryIndexHost>();
        await indexHost.EnsureReadyAsync(ct).ConfigureAwait(false);
        if (indexHost.StaleModelMessage is { } stale)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {stale}");
            return BadInput;
        }
        var matcher = host.Services.GetRequiredService<MatchService>();
        FaceAnalysis analysis;
        try
        {
            analysis = matcher.Analyze(await File.ReadAllBytesAsync(imagePath, ct).ConfigureAwait(false));
        }
        catch (ImageRejectedException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: {ex.Message}");
            return BadInput;
        }
        if (analysis.Faces.Count == 0)
        {
            console.MarkupLineInterpolated($"{imagePath}: No face detected");
            return Ok;
        }
        for (var i = 0; i < analysis.Faces.Count; i++)
        {
            var face = analysis.Faces[i];
            var b = face.Detection.Box;
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]Face {i + 1}[/] box x={b.X:0} y={b.Y:0} w={b.Width:0} h={b.Height:0} score={face.Detection.Score:0.00}");
            var outcome = matcher.Search(face.Descriptor, k);
            if (outcome.GalleryCount == 0)
            {
                console.MarkupLine("  The celebrity gallery is empty — import a gallery first");
                continue;
            }
            var table = new Table().AddColumns("#", "person", "distance", "closer than … of strangers' best matches", "face id");
            var rank = 1;
            foreach (var m in outcome.Matches)
            {
                table.AddRow(
                    (rank++).ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Person), m.Distance.ToString("0.0000", CultureInfo.InvariantCulture),
                    m.StrangerPercentile is { } p ? p.ToString("P0", CultureInfo.InvariantCulture) : "–", m.FaceId.ToString(CultureInfo.InvariantCulture));
            }
            console.Write(table);
        }
        return Ok;
    }

    private static Task<int> EvalLfwAsync(IAnsiConsole console, string? data, string lfwDirectory, string pairsFile, int? jitter, CancellationToken ct)
    {
        if (jitter is < 0 or > ChipJitter.MaxCount)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --jitter must be a whole number between 0 and {ChipJitter.MaxCount}, got {jitter}");
            return Task.FromResult(BadInput);
        }
        if (!Directory.Exists(lfwDirectory))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {lfwDirectory}: no such folder");
            return Task.FromResult(BadInput);
        }
        if (!File.Exists(pairsFile))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {pairsFile}: no such file");
            return Task.FromResult(BadInput);
        }
        using var host = BuildHost(data, jitter is { } j ? [new("Lookalike:Faces:Jitter", j.ToString(CultureInfo.InvariantCulture))] : null);
        var pipeline = host.Services.GetRequiredService<FacePipeline>();
        LfwReport? report = null;
        console.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("embedding LFW images", maxValue: 1);
            report = new LfwVerification(pipeline).Run(lfwDirectory, pairsFile, new SyncProgress<(int Done, int Total)>(p =>
            {
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = p.Done;
            }), ct);
            task.Value = task.MaxValue;
        });
        console.WriteLine(report!.ToMarkdown());
        return Task.FromResult(Ok);
    }

    private static Task<int> BenchPipelineAsync(IAnsiConsole console, string? data, string? folder, int count, CancellationToken ct)
    {
        if (count is < 1 or > 10000)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --count must be between 1 and 10000, got {count}");
            return Task.FromResult(BadInput);
        }
        using var host = BuildHost(data);
        List<string> files;
        if (folder is not null)
        {
            if (!Directory.Exists(folder))
            {
                console.MarkupLineInterpolated($"[red]error:[/] {folder}: no such folder");
                return Task.FromResult(BadInput);
            }
            files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !ImportSources.IsHidden(Path.GetRelativePath(folder, f)) && IsPhotoName(f))
                .Order(StringComparer.Ordinal).Take(count).ToList();
        }
        else
        {
            files = host.Services.GetRequiredService<GalleryStore>().GetImportedSourcePaths(count).Where(File.Exists).ToList();
        }
        if (files.Count == 0)
        {
            console.MarkupLine("[red]error:[/] no photos to time: pass --photos <folder> or import a gallery first");
            return Task.FromResult(BadInput);
        }
        ct.ThrowIfCancellationRequested();
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FaceOptions>>().Value;
        console.MarkupLineInterpolated($"Timing the pipeline on {files.Count} photos…");
        var report = new PipelineBenchmark(options).Run(files, Math.Min(200, files.Count));
        console.WriteLine(report.ToMarkdown());
        return Task.FromResult(Ok);
    }

    private static bool IsPhotoName(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".JPG" or ".JPEG" or ".PNG" or ".WEBP" or ".BMP" or ".GIF";

    private sealed class SyncProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }

    private static async Task<int> ExportAsync(IAnsiConsole console, string? data, string path, CancellationToken ct)
    {
        using var host = BuildHost(data);
        var store = host.Services.GetRequiredService<GalleryStore>();
        var (faces, vectors) = store.ReadAllEmbeddings(GallerySnapshot.Dimension);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var stream = File.Create(full);
        var header = BitConverter.GetBytes(GallerySnapshot.Dimension);
        for (var i = 0; i < faces.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            await stream.WriteAsync(header, ct).ConfigureAwait(false);
            await stream.WriteAsync(MemoryMarshal.AsBytes(vectors.AsSpan(i * GallerySnapshot.Dimension, GallerySnapshot.Dimension)).ToArray(), ct).ConfigureAwait(false);
        }
        console.MarkupLineInterpolated($"Wrote {faces.Length} descriptors of {GallerySnapshot.Dimension} dimensions to {full}");
        return Ok;
    }

    private static async Task<int> RebuildAsync(IAnsiConsole console, string? data, CancellationToken ct)
    {
        using var host = BuildHost(data);
        var index = host.Services.GetRequiredService<GalleryIndexHost>();
        var parameters = index.DesiredParameters();
        TimeSpan elapsed = default;
        await console.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask($"rebuild ({parameters})", maxValue: 1);
            elapsed = await index.RebuildAsync(parameters, persistParameters: false, new Progress<double>(v => task.Value = v), ct).ConfigureAwait(false);
            task.Value = 1;
        }).ConfigureAwait(false);
        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Rebuilt {index.Current.Count} faces in {elapsed.TotalSeconds:0.00} s → {index.IndexPath}");
        return Ok;
    }

    private static async Task<int> StatsAsync(IAnsiConsole console, string? data, CancellationToken ct)
    {
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var index = host.Services.GetRequiredService<GalleryIndexHost>();
        var stopwatch = Stopwatch.StartNew();
        await index.EnsureReadyAsync(ct).ConfigureAwait(false);
        var ready = stopwatch.Elapsed;
        var s = ApiEndpoints.BuildStats(host.Services.GetRequiredService<GalleryStore>(), index);
        var table = new Table().AddColumns("", "");
        void Row(string name, object? value) => table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "–"));
        Row("people", s.People);
        Row("photos recorded", s.Photos);
        Row("imported", s.Imported);
        Row("skipped", s.Skipped);
        Row("faces", s.Faces);
        Row("model", $"{s.Model} ({s.ModelSha256})");
        Row("index", $"{s.IndexCount} faces, M={s.M}, efConstruction={s.EfConstruction}, efSearch={s.EfSearch}");
        Row("layers", string.Join(" / ", s.LayerCounts));
        Row("index memory", $"{s.IndexMemoryBytes / 1024.0 / 1024.0:0.0} MiB");
        Row("start-up", $"{(s.LoadedFromFile ? "loaded from file" : "rebuilt from store")} in {ready.TotalSeconds:0.00} s (index {s.BuildSeconds:0.00} s)");
        console.Write(table);
        if (index.StaleModelMessage is { } stale)
        {
            console.MarkupLineInterpolated($"[yellow]warning:[/] {stale}");
        }
        foreach (var (reason, count) in host.Services.GetRequiredService<GalleryStore>().GetStats().SkipReasons)
        {
            console.MarkupLineInterpolated($"  skipped: {count} × {reason}");
        }
        return Ok;
    }
}
