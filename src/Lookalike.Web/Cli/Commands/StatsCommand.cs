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

/// <summary>Prints store and index statistics and how start-up went.</summary>
internal static class StatsCommand
{
    /// <summary>The <c>stats</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var stats = new Command("stats", "Gallery and index statistics (loads or rebuilds the index, and says which and how long).");
        stats.SetAction((r, ct) => Guard(console, () => StatsAsync(console, r.GetValue(dataOption), ct)));
        return stats;
    }

    internal static async Task<int> StatsAsync(IAnsiConsole console, string? data, CancellationToken ct)
    {
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var index = host.Services.GetRequiredService<LiveGallery>();
        var stopwatch = Stopwatch.StartNew();
        await index.EnsureReadyAsync(ct).ConfigureAwait(false);
        var ready = stopwatch.Elapsed;
        var s = ApiEndpoints.BuildStats(host.Services.GetRequiredService<IGalleryStore>(), index, host.Services.GetRequiredService<IDescriptorModel>());
        var table = new Table().AddColumns("", "");
        void Row(string name, object? value) => table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "–"));
        Row("people", s.People);
        Row("photos recorded", s.Photos);
        Row("imported", s.Imported);
        Row("skipped", s.Skipped);
        Row("faces", s.Faces);
        Row("model", $"{s.Model} ({s.ModelSha256})");
        Row("active model", $"{s.ActiveModel}, {s.ActiveDimension}-D: {s.ActiveModelName}");
        Row("index", $"{s.IndexCount} faces, M={s.M}, efConstruction={s.EfConstruction}, efSearch={s.EfSearch}");
        Row("layers", string.Join(" / ", s.LayerCounts));
        Row("index memory", $"{s.IndexMemoryBytes / 1024.0 / 1024.0:0.0} MiB");
        Row("start-up", $"{(s.LoadedFromFile ? "loaded from file" : "rebuilt from store")} in {ready.TotalSeconds:0.00} s (index {s.BuildSeconds:0.00} s)");
        console.Write(table);
        foreach (var warning in index.Status.Warnings)
        {
            console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        }
        foreach (var (reason, count) in host.Services.GetRequiredService<IGalleryStore>().GetStats().SkipReasons)
        {
            console.MarkupLineInterpolated($"  skipped: {count} × {reason}");
        }
        return Ok;
    }
}
