using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lookalike.Faces;
using Lookalike.Faces.Evaluation;
using Lookalike.Faces.Evaluation.Heads;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>
/// Trains the fusion heads (triplet and quadruplet) on the frozen fused descriptors, evaluates them 8-fold against dlib,
/// MobileFaceNet and fused, and writes the quadruplet head trained on every available person with its loss curve.
/// </summary>
internal static class TrainHeadCommand
{
    /// <summary>The <c>train-head</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var lfwDir = new Argument<string>("lfw-dir") { Description = "The LFW folder (<Person>/<Person>_NNNN.jpg)." };
        var pairs = new Argument<string>("pairs") { Description = "The pairs file (View 2 format, e.g. pairs_folds1-8.txt)." };
        var celeba = new Option<string?>("--celeba") { Description = "The CelebA sample folder (img_celeba/, identity_CelebA_subset.txt): extra training identities." };
        var cache = new Option<string>("--cache") { Description = "Folder of the descriptor caches (lfw-desc.bin, celeba-desc.bin); computed when missing (15–30 min).", DefaultValueFactory = _ => "descriptor-cache" };
        var output = new Option<string>("--out") { Description = "Where the quadruplet head trained on every person is written.", DefaultValueFactory = _ => "models/heads/fusion-head-quadruplet.bin" };
        var curve = new Option<string>("--curve") { Description = "Where the loss curves of the two final heads are written (CSV).", DefaultValueFactory = _ => "docs/fusion-head-loss.csv" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation and batch sampling.", DefaultValueFactory = _ => 17 };
        var steps = new Option<int>("--steps") { Description = "Training steps per head.", DefaultValueFactory = _ => new HeadTrainingOptions().Steps };
        var hidden = new Option<int>("--hidden") { Description = "Width of a ReLU layer (0: linear head).", DefaultValueFactory = _ => 0 };
        var dim = new Option<int>("--dim") { Description = "Output dimension.", DefaultValueFactory = _ => 128 };
        var command = new Command("train-head", "Train the triplet and quadruplet fusion heads, evaluate them 8-fold on LFW against dlib, MobileFaceNet and fused, and write the final quadruplet head.")
        {
            lfwDir, pairs, celeba, cache, output, curve, seed, steps, hidden, dim,
        };
        command.SetAction((r, ct) => Guard(console, () => TrainHeadAsync(console, r.GetValue(dataOption), r.GetValue(lfwDir)!, r.GetValue(pairs)!, r.GetValue(celeba),
            r.GetValue(cache)!, r.GetValue(output)!, r.GetValue(curve)!,
            new HeadTrainingOptions { Seed = r.GetValue(seed), Steps = r.GetValue(steps), HiddenDimension = r.GetValue(hidden), OutputDimension = r.GetValue(dim) }, ct)));
        return command;
    }

    internal static Task<int> TrainHeadAsync(IAnsiConsole console, string? data, string lfwDirectory, string pairsFile, string? celebaDirectory, string cacheDirectory,
        string output, string curvePath, HeadTrainingOptions options, CancellationToken ct)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
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
        var identities = celebaDirectory is null ? null : Path.Combine(celebaDirectory, "identity_CelebA_subset.txt");
        if (identities is not null && !File.Exists(identities))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {identities}: no such file");
            return Task.FromResult(BadInput);
        }
        LfwVerification.CountPairs(pairsFile); // a malformed pairs file is refused (InvalidDataException → exit 1) before any embedding
        if (File.Exists(cacheDirectory))
        {
            console.MarkupLineInterpolated($"[red]error:[/] --cache {cacheDirectory} is a file; it must name a folder");
            return Task.FromResult(BadInput);
        }
        // The outputs are written after the (long) training: refuse an unusable place before it starts.
        foreach (var (flag, path) in new[] { ("--out", output), ("--curve", curvePath) })
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (File.Exists(folder) || Directory.Exists(path))
            {
                console.MarkupLineInterpolated($"[red]error:[/] {flag} {path}: not a file path in a folder");
                return Task.FromResult(BadInput);
            }
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {flag} {path}: its folder cannot be created ({e.Message})");
                return Task.FromResult(BadInput);
            }
        }
        Directory.CreateDirectory(cacheDirectory);
        var lfwCache = Path.Combine(cacheDirectory, "lfw-desc.bin");
        var celebaCache = Path.Combine(cacheDirectory, "celeba-desc.bin");
        if (!File.Exists(lfwCache) || (identities is not null && !File.Exists(celebaCache)))
        {
            var settings = new List<KeyValuePair<string, string?>> { new("Lookalike:Faces:Model", DescriptorModels.Dlib) };
            using var host = BuildHost(data, settings);
            var pipeline = host.Services.GetRequiredService<FacePipeline>();
            using var mobileFaceNet = new Lookalike.Faces.MobileFaceNet.MobileFaceNetEmbedder(pipeline.Options);
            var evaluation = new LfwVerification(pipeline);
            if (!File.Exists(lfwCache))
            {
                console.MarkupLineInterpolated($"embedding LFW into {lfwCache} …");
                var report = evaluation.RunModels(lfwDirectory, pairsFile, DescriptorModels.All, mobileFaceNet, null, lfwCache, ct);
                console.WriteLine(report.ToMarkdown());
            }
            if (identities is not null && !File.Exists(celebaCache))
            {
                console.MarkupLineInterpolated($"embedding CelebA into {celebaCache} …");
                var (images, noFace) = evaluation.DescribeIdentities(Path.Combine(celebaDirectory!, "img_celeba"), identities, "celeba_", mobileFaceNet, celebaCache, null, ct);
                console.MarkupLineInterpolated($"{images} CelebA images, {noFace} without a face");
            }
        }
        var lfw = DescriptorCache.Read(lfwCache);
        var extra = identities is null ? [] : new[] { DescriptorCache.Read(celebaCache) };

        var log = new SyncProgress<string>(line => console.WriteLine(line));
        var evaluationReport = HeadCrossValidation.Run(lfw, extra, pairsFile, options, log, ct);
        console.WriteLine(evaluationReport.ToMarkdown());

        // The shipped head: every person of the caches (no fold held out).
        var fused = lfw.Fused();
        var dimension = lfw.DlibDimension + lfw.MobileFaceNetDimension;
        var (x, labels, count) = HeadCrossValidation.TrainingSet(lfw, fused, dimension, extra, extra.Select(e => e.Fused()).ToArray(), new HashSet<string>(StringComparer.Ordinal));
        // All the steps, as the "quadruplet head, N steps" row (the early stops mostly chose 0 steps, the untrained PCA start, which is not a trained head).
        var (_, tripletCurve) = HeadTrainer.Train(x, dimension, labels, options with { Loss = HeadLoss.Triplet }, ct);
        var (quadruplet, quadrupletCurve) = HeadTrainer.Train(x, dimension, labels, options with { Loss = HeadLoss.Quadruplet }, ct);
        var bytes = quadruplet.Serialize();
        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllBytes(output, bytes);
        var csv = new StringBuilder("step,triplet_loss,triplet_active,quadruplet_loss,quadruplet_active\n");
        for (var i = 0; i < quadrupletCurve.Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{quadrupletCurve[i].Step},{tripletCurve[i].Loss:0.######},{tripletCurve[i].Active:0.####},{quadrupletCurve[i].Loss:0.######},{quadrupletCurve[i].Active:0.####}\n");
        }
        directory = Path.GetDirectoryName(Path.GetFullPath(curvePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(curvePath, csv.ToString());
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final heads: {labels.Count} images of {count} identities (every LFW person in the cache{(extra.Length > 0 ? " and the CelebA sample" : "")}); quadruplet head after {options.Steps} steps, {bytes.Length} bytes → {output}, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(bytes))}; loss curves → {curvePath}"));
        return Task.FromResult(Ok);
    }
}
