using System.CommandLine;
using System.Diagnostics;
using Lookalike.Gallery.Estimates;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>Estimates age and sex of every stored face that has none, from its stored thumbnail.</summary>
internal static class BackfillAgeSexCommand
{
    /// <summary>The <c>backfill-age-sex</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var cmd = new Command("backfill-age-sex", "Estimate age and sex of every stored face that has none, from its stored 112×112 thumbnail (no re-import).");
        cmd.SetAction((r, ct) => Guard(console, () => Task.FromResult(Run(console, r.GetValue(dataOption), ct))));
        return cmd;
    }

    private static int Run(IAnsiConsole console, string? data, CancellationToken ct)
    {
        using var host = BuildHost(data);
        var backfill = host.Services.GetRequiredService<FaceEstimateBackfill>();
        var stopwatch = Stopwatch.StartNew();
        var done = backfill.Run(new Progress<(int Done, int Total)>(p => console.MarkupLineInterpolated($"{p.Done} / {p.Total}")), ct);
        console.MarkupLineInterpolated($"{done} faces estimated in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
