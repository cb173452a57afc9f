using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Embedding;

namespace Lookalike.Faces.Evaluation;

/// <summary>One row of <see cref="LfwVerification.RunModels"/>: a descriptor model's flip-averaged LFW result and cost.</summary>
/// <param name="Model">A <see cref="DescriptorModels"/> name: <c>dlib</c>, <c>mobilefacenet</c> or <c>fused</c>.</param>
/// <param name="Dimension">Descriptor length in floats (128, 192, 320).</param>
/// <param name="Result">Verification (mean ± std over the folds, thresholds chosen on the other folds) and rank-1 of the flip-averaged descriptor.</param>
/// <param name="MsPerFace">Wall-clock milliseconds per image for this model: the shared decode, detection and 68 landmarks plus this model's alignment and network runs (chip and mirror); fused counts both networks.</param>
public sealed record LfwModelRow(string Model, int Dimension, LfwVariantResult Result, double MsPerFace);

/// <summary>Result of <see cref="LfwVerification.RunModels"/>.</summary>
/// <param name="Pairs">Number of pairs scored (8 folds × 600 = 4,800).</param>
/// <param name="Images">Distinct images embedded.</param>
/// <param name="NoFaceRate">Share of images where no face was found (centred chips were used instead).</param>
/// <param name="MultiFaceRate">Share of images with several faces (the one nearest the centre was used).</param>
/// <param name="Rank1Probes">Probes of the rank-1 test (images of people with ≥ 2 images).</param>
/// <param name="Rows">One row per model asked for, in the order asked.</param>
/// <param name="Elapsed">Wall-clock time of the run (rank-1 included).</param>
public sealed record LfwModelReport(int Pairs, int Images, double NoFaceRate, double MultiFaceRate, int Rank1Probes, IReadOnlyList<LfwModelRow> Rows, TimeSpan Elapsed)
{
    /// <summary>A Markdown table, one row per model, accuracies in percent.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            "| model | dim | accuracy (folds 1–8, flip-averaged) | per fold | best threshold | acc. at best | rank-1 | ms per face |",
            "|---|---|---|---|---|---|---|---|",
        };
        foreach (var row in Rows)
        {
            var v = row.Result;
            lines.Add(string.Format(inv, "| {0} | {1} | {2:0.00}% ± {3:0.00} | {4} | {5:0.000} | {6:0.00}% | {7:0.00}% | {8:0.0} |",
                row.Model, row.Dimension, v.MeanAccuracy * 100, v.StdAccuracy * 100,
                string.Join(" ", v.FoldAccuracies.Select(a => (a * 100).ToString("0.00", inv))),
                v.BestThreshold, v.BestThresholdAccuracy * 100, v.Rank1 * 100, row.MsPerFace));
        }
        lines.Add(string.Format(inv, "\n{0} pairs, {1} images, no face {2:0.00}%, several faces {3:0.00}%, {4} rank-1 probes, {5:0} s",
            Pairs, Images, NoFaceRate * 100, MultiFaceRate * 100, Rank1Probes, Elapsed.TotalSeconds));
        return string.Join('\n', lines);
    }
}

public sealed partial class LfwVerification
{
    /// <summary>Magic of the descriptor cache file <see cref="RunModels"/> writes.</summary>
    public const string DescriptorCacheMagic = "LKLFWD1";

    /// <summary>
    /// Runs the protocol once for each descriptor model, from one pass over the images (decode, detection and the 68
    /// landmarks shared): <c>dlib</c> (the pipeline's <see cref="FacePipeline.Embedder"/> on the dlib 150×150 chip),
    /// <c>mobilefacenet</c> (<paramref name="mobileFaceNet"/> on the 112×112 ArcFace chip) and <c>fused</c>
    /// (<see cref="FacePipeline.Fuse"/> of the two, 320-D), each flip-averaged exactly as the pipeline computes it with
    /// <see cref="FaceOptions.FlipAverage"/> on. An image without a face gets the centred chip of each size.
    /// </summary>
    /// <param name="lfwDirectory">The LFW folder.</param>
    /// <param name="pairsFile">Pairs file; null: <c>pairs_folds1-8.txt</c> in <paramref name="lfwDirectory"/>.</param>
    /// <param name="models">The <see cref="DescriptorModels"/> names to report, in order (no duplicates).</param>
    /// <param name="mobileFaceNet">The MobileFaceNet embedder (112-pixel chips); needed when <paramref name="models"/> names <c>mobilefacenet</c> or <c>fused</c>.</param>
    /// <param name="progress">Receives (images done, images total) every 100 images.</param>
    /// <param name="descriptorsFile">
    /// When given, the flip-averaged descriptors are written there for later experiments (e.g. the trained heads):
    /// UTF-8 line <see cref="DescriptorCacheMagic"/>, then a line <c>images dlibDim mfnDim</c> (0 for a model not run), one
    /// line per image <c>key person</c>, then little-endian float32 [images, dlibDim] followed by [images, mfnDim].
    /// </param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <returns>One row per model and the detection rates.</returns>
    /// <exception cref="ArgumentException"><paramref name="models"/> is empty, repeats a name or names an unknown model; or the embedders' chip sizes are not 150 and 112.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="lfwDirectory"/> or <paramref name="models"/> is null, or <paramref name="mobileFaceNet"/> is null while needed.</exception>
    /// <exception cref="InvalidOperationException">The pipeline runs without <see cref="FaceOptions.UseLandmarks"/> (the ArcFace chip needs the 68 landmarks).</exception>
    /// <exception cref="FileNotFoundException">The pairs file or an image is missing.</exception>
    /// <exception cref="InvalidDataException">The pairs file is malformed.</exception>
    public LfwModelReport RunModels(string lfwDirectory, string? pairsFile, IReadOnlyList<string> models, IFaceEmbedder? mobileFaceNet,
        IProgress<(int Done, int Total)>? progress = null, string? descriptorsFile = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lfwDirectory);
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0 || models.Distinct(StringComparer.Ordinal).Count() != models.Count || !models.All(DescriptorModels.IsKnown))
        {
            throw new ArgumentException($"models must be distinct names of {string.Join(", ", DescriptorModels.All)}; got [{string.Join(", ", models)}].", nameof(models));
        }
        var needDlib = models.Contains(DescriptorModels.Dlib) || models.Contains(DescriptorModels.Fused);
        var needMfn = models.Contains(DescriptorModels.MobileFaceNet) || models.Contains(DescriptorModels.Fused);
        if (needMfn)
        {
            ArgumentNullException.ThrowIfNull(mobileFaceNet);
            if (mobileFaceNet.ChipSize != FaceAligner.ArcFaceChipSize)
            {
                throw new ArgumentException($"The MobileFaceNet embedder takes {mobileFaceNet.ChipSize}-pixel chips, not {FaceAligner.ArcFaceChipSize}.", nameof(mobileFaceNet));
            }
        }
        var dlib = _pipeline.Embedder;
        if (needDlib && dlib.ChipSize != FaceAligner.ChipSize)
        {
            throw new ArgumentException($"The pipeline's embedder takes {dlib.ChipSize}-pixel chips; the dlib rows need the {FaceAligner.ChipSize}-pixel dlib network (run with Lookalike:Faces:Model = dlib).", nameof(models));
        }
        if (!_pipeline.Options.UseLandmarks)
        {
            throw new InvalidOperationException("RunModels needs UseLandmarks (the chips are cut from the 68 landmarks).");
        }

        var watch = Stopwatch.StartNew();
        var pairs = ReadPairs(pairsFile ?? Path.Combine(lfwDirectory, "pairs_folds1-8.txt"));
        var (images, pairIndex, probes, person) = ImageSet(lfwDirectory, pairs);
        var set = EmbedImages(images.Select(k => ImagePath(lfwDirectory, k)).ToList(), needDlib, needMfn ? mobileFaceNet : null, FaceChoice.Central, progress, cancellationToken);
        var (dlibDescriptors, dd, mfnDescriptors, dm) = (set.Dlib, set.DlibDimension, set.MobileFaceNet, set.MobileFaceNetDimension);
        var (sharedTicks, dlibTicks, mfnTicks, noFace, multiFace) = (set.SharedTicks, set.DlibTicks, set.MobileFaceNetTicks, set.NoFace, set.MultiFace);
        if (descriptorsFile is not null)
        {
            DescriptorCache.Write(descriptorsFile, images, images.Select((k, i) => person.TryGetValue(i, out var p) ? p : k[..k.LastIndexOf('_')]).ToList(),
                dlibDescriptors, dd, mfnDescriptors, dm);
        }

        double Ms(long ticks) => Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / Math.Max(1, images.Count);
        var rows = new List<LfwModelRow>();
        foreach (var model in models)
        {
            var (descriptors, dim, ms) = model switch
            {
                DescriptorModels.Dlib => (dlibDescriptors, dd, Ms(sharedTicks + dlibTicks)),
                DescriptorModels.MobileFaceNet => (mfnDescriptors, dm, Ms(sharedTicks + mfnTicks)),
                _ => (FacePipeline.Fuse(dlibDescriptors, dd, mfnDescriptors, dm), dd + dm, Ms(sharedTicks + dlibTicks + mfnTicks)),
            };
            var result = Score("flip-averaged", descriptors, dim, pairIndex, probes, person) with { Alignment = model == DescriptorModels.Dlib ? "dlib-5pt" : model == DescriptorModels.MobileFaceNet ? "arcface-5pt" : "dlib-5pt ++ arcface-5pt" };
            rows.Add(new LfwModelRow(model, dim, result, ms));
        }
        return new LfwModelReport(pairs.Count, images.Count, (double)noFace / images.Count, (double)multiFace / images.Count, probes.Count, rows, watch.Elapsed);
    }
}
