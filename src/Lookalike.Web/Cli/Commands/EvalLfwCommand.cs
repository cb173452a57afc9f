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
        var model = new Option<string?>("--model")
        {
            Description = "Report one row per descriptor model from one pass: dlib, mobilefacenet, fused or all (flip-averaged accuracy ± std over the folds, rank-1, ms per face). Default: the pipeline's own report for Lookalike:Faces:Model.",
        };
        var descriptorsOut = new Option<string?>("--descriptors-out")
        {
            Description = "With --model: also write the flip-averaged descriptors of every image to this file (for training heads).",
        };
        var eval = new Command("eval-lfw", "LFW verification protocol (10-fold style over the folds present) and rank-1 for the face pipeline.") { lfwDir, pairs, jitter, model, descriptorsOut };
        eval.SetAction((r, ct) => Guard(console, () => EvalLfwAsync(console, r.GetValue(dataOption), r.GetValue(lfwDir)!, r.GetValue(pairs)!, r.GetValue(jitter), ct,
            r.GetValue(model), r.GetValue(descriptorsOut))));
        return eval;
    }

    /// <summary>The models <c>--model</c> names: one of <see cref="DescriptorModels.All"/>, or all three for <c>all</c>; null for anything else.</summary>
    internal static IReadOnlyList<string>? ParseModels(string value) =>
        value == "all" ? DescriptorModels.All : DescriptorModels.IsKnown(value) ? [value] : null;

    internal static Task<int> EvalLfwAsync(IAnsiConsole console, string? data, string lfwDirectory, string pairsFile, int? jitter, CancellationToken ct,
        string? model = null, string? descriptorsOut = null)
    {
        IReadOnlyList<string>? models = null;
        if (model is not null && (models = ParseModels(model)) is null)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --model must be dlib, mobilefacenet, fused or all, got '{model}'");
            return Task.FromResult(BadInput);
        }
        if (descriptorsOut is not null && models is null)
        {
            console.MarkupLine("[red]error:[/] --descriptors-out needs --model");
            return Task.FromResult(BadInput);
        }
        if (models is not null && jitter is >= 2)
        {
            console.MarkupLine("[red]error:[/] --jitter applies to the dlib report only; leave it out with --model");
            return Task.FromResult(BadInput);
        }
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
        var settings = new List<KeyValuePair<string, string?>>();
        if (jitter is { } j)
        {
            settings.Add(new("Lookalike:Faces:Jitter", j.ToString(CultureInfo.InvariantCulture)));
        }
        if (models is null)
        {
            using var probe = BuildHost(data, settings);
            var configured = probe.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FaceOptions>>().Value.Model;
            if (configured != DescriptorModels.Dlib)
            {
                models = [configured]; // the per-model pass is the one that knows the ArcFace chip
            }
        }
        if (models is not null)
        {
            settings.Add(new("Lookalike:Faces:Model", DescriptorModels.Dlib)); // the pass builds MobileFaceNet itself
            using var modelHost = BuildHost(data, settings);
            var dlibPipeline = modelHost.Services.GetRequiredService<FacePipeline>();
            using var mobileFaceNet = models.Any(m => m != DescriptorModels.Dlib) ? new Lookalike.Faces.MobileFaceNet.MobileFaceNetEmbedder(dlibPipeline.Options) : null;
            LfwModelReport? rows = null;
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("embedding LFW images", maxValue: 1);
                rows = new LfwVerification(dlibPipeline).RunModels(lfwDirectory, pairsFile, models, mobileFaceNet, new SyncProgress<(int Done, int Total)>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }), descriptorsOut, ct);
                task.Value = task.MaxValue;
            });
            console.WriteLine(rows!.ToMarkdown());
            return Task.FromResult(Ok);
        }
        using var host = BuildHost(data, settings);
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
