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

/// <summary>Rebuilds the HNSW index from the stored descriptors.</summary>
internal static class RebuildIndexCommand
{
    /// <summary>The <c>rebuild-index</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var rebuild = new Command("rebuild-index", "Rebuild the HNSW index from the stored descriptors (no re-embedding).");
        rebuild.SetAction((r, ct) => Guard(console, () => RebuildAsync(console, r.GetValue(dataOption), ct)));
        return rebuild;
    }

    internal static async Task<int> RebuildAsync(IAnsiConsole console, string? data, CancellationToken ct)
    {
        using var host = BuildHost(data);
        var index = host.Services.GetRequiredService<LiveGallery>();
        var parameters = host.Services.GetRequiredService<IndexParameterSource>().Desired();
        TimeSpan elapsed = default;
        await console.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask($"rebuild ({GalleryIndexParameters.Describe(parameters)})", maxValue: 1);
            elapsed = await index.RebuildAsync(parameters, persistParameters: false, new Progress<double>(v => task.Value = v), ct).ConfigureAwait(false);
            task.Value = 1;
        }).ConfigureAwait(false);
        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Rebuilt {index.Current.Count} faces in {elapsed.TotalSeconds:0.00} s → {host.Services.GetRequiredService<IndexFileRepository>().IndexPath}");
        return Ok;
    }
}
