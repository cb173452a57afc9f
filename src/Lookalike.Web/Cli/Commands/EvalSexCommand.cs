using System.CommandLine;
using Lookalike.Faces;
using Lookalike.Faces.Evaluation;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>Measures how consistent the AgeGenderNet sex estimate is across each LFW person's photos.</summary>
internal static class EvalSexCommand
{
    /// <summary>The <c>eval-sex</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var lfw = new Option<string>("--lfw") { Description = "LFW root (one folder per person).", Required = true };
        var min = new Option<int>("--min-photos") { Description = "Minimum photos per person (2–1000).", DefaultValueFactory = _ => 5 };
        var max = new Option<int>("--max-per-person") { Description = "Photos analysed per person (≥ --min-photos, ≤ 1000).", DefaultValueFactory = _ => 10 };
        var cmd = new Command("eval-sex", "Sex-estimate agreement across the photos of each LFW person with at least --min-photos photos.") { lfw, min, max };
        cmd.SetAction((r, ct) => Guard(console, () => Task.FromResult(Run(console, r.GetValue(dataOption), r.GetValue(lfw)!, r.GetValue(min), r.GetValue(max), ct))));
        return cmd;
    }

    private static int Run(IAnsiConsole console, string? data, string lfw, int min, int max, CancellationToken ct)
    {
        if (min is < 2 or > 1000 || max < min || max > 1000)
        {
            console.MarkupLineInterpolated($"[red]error:[/] need 2 ≤ --min-photos ≤ --max-per-person ≤ 1000, got {min} and {max}");
            return BadInput;
        }
        if (!Directory.Exists(lfw))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {lfw}: no such folder");
            return BadInput;
        }
        using var host = BuildHost(data);
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FaceOptions>>().Value;
        var report = new LfwSexAgreement(options).Run(lfw, min, max, ct);
        console.WriteLine(report.ToString());
        return 0;
    }
}
