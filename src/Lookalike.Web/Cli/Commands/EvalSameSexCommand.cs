using System.CommandLine;
using Lookalike.Gallery;
using Lookalike.Gallery.Estimates;
using Lookalike.Gallery.Index;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>Measures the same-sex filter on the stored gallery (<see cref="SameSexEvaluation"/>).</summary>
internal static class EvalSameSexCommand
{
    /// <summary>The <c>eval-same-sex</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var min = new Option<int>("--min-faces") { Description = "People with at least this many faces enter the agreement (≥ 2).", DefaultValueFactory = _ => 5 };
        var top = new Option<int>("--people") { Description = "Length of the people lists compared (1–50).", DefaultValueFactory = _ => 10 };
        var probes = new Option<int>("--probes") { Description = "Most gallery faces used as probes, spread over the gallery (≥ 1).", DefaultValueFactory = _ => 2000 };
        var cmd = new Command("eval-same-sex", "Sex-estimate agreement per person and how many top-k people lists the same-sex filter changes, from the stored estimates.") { min, top, probes };
        cmd.SetAction((r, ct) => Guard(console, () => RunAsync(console, r.GetValue(dataOption), r.GetValue(min), r.GetValue(top), r.GetValue(probes), ct)));
        return cmd;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string? data, int min, int top, int probes, CancellationToken ct)
    {
        if (min < 2 || top is < 1 or > 50 || probes < 1)
        {
            console.MarkupLineInterpolated($"[red]error:[/] need --min-faces ≥ 2, 1 ≤ --people ≤ 50, --probes ≥ 1; got {min}, {top}, {probes}");
            return BadInput;
        }
        using var host = BuildHost(data);
        var store = host.Services.GetRequiredService<IGalleryStore>();
        var missing = store.CountFacesWithoutEstimate();
        if (missing > 0)
        {
            console.MarkupLineInterpolated($"[yellow]note:[/] {missing} faces have no estimate yet (run backfill-age-sex); they are left out.");
        }
        var live = host.Services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync(ct);
        var snapshot = live.Current;
        var report = SameSexEvaluation.Run(snapshot, store.GetEstimates(snapshot.Faces.Keys.ToList()), min, top, probes, ct);
        console.WriteLine(report.ToString());
        return 0;
    }
}
