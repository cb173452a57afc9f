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
        var thumbs = new Option<bool>("--thumbnails") { Description = "Estimate from the 112×112 thumbnail the gallery stores (the product's path) instead of the full photo." };
        var cmd = new Command("eval-sex", "Sex-estimate agreement across the photos of each LFW person with at least --min-photos photos.") { lfw, min, max, thumbs };
        cmd.SetAction((r, ct) => Guard(console, () => Task.FromResult(Run(console, r.GetValue(dataOption), r.GetValue(lfw)!, r.GetValue(min), r.GetValue(max), r.GetValue(thumbs), ct))));
        return cmd;
    }

    private static int Run(IAnsiConsole console, string? data, string lfw, int min, int max, bool thumbnails, CancellationToken ct)
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
        var agreement = new LfwSexAgreement(options);
        var report = thumbnails ? agreement.RunFromThumbnails(lfw, min, max, ct) : agreement.Run(lfw, min, max, ct);
        console.WriteLine(report.ToString());
        return 0;
    }
}
