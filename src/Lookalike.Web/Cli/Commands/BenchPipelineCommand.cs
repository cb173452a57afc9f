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

/// <summary>Times each stage of the face pipeline on real photos.</summary>
internal static class BenchPipelineCommand
{
    /// <summary>The <c>bench-pipeline</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var photos = new Option<string?>("--photos") { Description = "A folder of photos (searched recursively); default: the gallery's imported photos." };
        var count = new Option<int>("--count") { Description = "Photos to time (1–10000).", DefaultValueFactory = _ => 300 };
        var bench = new Command("bench-pipeline", "Time each stage of the face pipeline (decode, detect, landmarks, align, embed) on real photos.") { photos, count };
        bench.SetAction((r, ct) => Guard(console, () => BenchPipelineAsync(console, r.GetValue(dataOption), r.GetValue(photos), r.GetValue(count), ct)));
        return bench;
    }

    internal static Task<int> BenchPipelineAsync(IAnsiConsole console, string? data, string? folder, int count, CancellationToken ct)
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
            files = host.Services.GetRequiredService<IGalleryStore>().GetImportedSourcePaths(count).Where(File.Exists).ToList();
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
}
