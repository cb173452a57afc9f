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

/// <summary>Runs the LFW verification protocol and rank-1 for the face pipeline.</summary>
internal static class EvalLfwCommand
{
    /// <summary>The <c>eval-lfw</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
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
        return eval;
    }

    internal static Task<int> EvalLfwAsync(IAnsiConsole console, string? data, string lfwDirectory, string pairsFile, int? jitter, CancellationToken ct)
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
}
