using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Evaluation;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Web.Api;
using Lookalike.Web.Gallery;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>Imports a folder, zip or photo with a progress bar, a summary table and the skipped files.</summary>
internal static class ImportCommand
{
    /// <summary>The <c>import</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var importPath = new Argument<string>("path") { Description = "A folder (LFW, CelebA or one subfolder per person), a .zip, .tgz/.tar.gz or .tar of one (LFW's lfw.tgz as distributed), or a single photo." };
        var format = new Option<string>("--format") { Description = "Layout: auto, lfw, celeba or folder.", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "lfw", "celeba", "folder");
        var shard = new Option<string?>("--shard")
        {
            Description = "i/n: import only share i (0-based, 0 ≤ i < n) of n, chosen by a SHA-256 of each file's path relative to <path>; n processes with 0/n … n-1/n over one store import every file once.",
        };
        var import = new Command("import", "Import a gallery into the store (resumable: only what is not stored yet is embedded).") { importPath, format, shard };
        import.SetAction((r, ct) => Guard(console, () => ImportAsync(console, r.GetValue(dataOption), r.GetValue(importPath)!, r.GetValue(format)!, ct, r.GetValue(shard))));
        return import;
    }

    internal static async Task<int> ImportAsync(IAnsiConsole console, string? data, string path, string formatName, CancellationToken ct, string? shardText = null)
    {
        var shard = ImportShard.All;
        if (shardText is not null)
        {
            try
            {
                shard = ImportShard.Parse(shardText);
            }
            catch (FormatException ex)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
                return BadInput;
            }
        }
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {path}: no such folder, archive or photo");
            return BadInput;
        }
        var format = Enum.Parse<ImportFormat>(formatName, ignoreCase: true);
        using var host = BuildHost(data);
        var importer = host.Services.GetRequiredService<GalleryImporter>();
        var store = host.Services.GetRequiredService<IGalleryStore>();
        console.MarkupLineInterpolated($"Importing [bold]{Path.GetFullPath(path)}[/] ({format}{(shard.IsAll ? "" : ", shard " + shard)}) into {store.Location}");
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
                summary = await importer.ImportAsync(path, format, null, shard, progress, ct).ConfigureAwait(false);
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
        if (!shard.IsAll)
        {
            console.MarkupLineInterpolated($"shard {shard}: {s.LeftToOtherShards} files left to the other shards (not read by this run)");
        }
        if (s.DescriptorsDropped > 0)
        {
            console.MarkupLineInterpolated($"[yellow]warning:[/] the face model or its settings changed ({host.Services.GetRequiredService<IDescriptorModel>().Identity.Name}): the descriptors of {s.DescriptorsDropped} photos stored before were dropped; import their folders again to bring them back.");
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
}
