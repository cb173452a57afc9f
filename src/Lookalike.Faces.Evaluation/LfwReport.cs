using System.Globalization;

namespace Lookalike.Faces.Evaluation;

/// <summary>Accuracy of one descriptor variant on LFW.</summary>
/// <param name="Variant">"plain" (the chip's descriptor), "flip-averaged" (mean of the chip's and its mirror's) or "jitter-averaged ×J" (mean over the <see cref="FaceOptions.Jitter"/> jittered chips; images without a face keep the flip-averaged centred chip).</param>
/// <param name="FoldAccuracies">Accuracy of each fold in [0, 1], its threshold chosen on the other folds.</param>
/// <param name="MeanAccuracy">Mean of <paramref name="FoldAccuracies"/>.</param>
/// <param name="StdAccuracy">Population standard deviation of <paramref name="FoldAccuracies"/>.</param>
/// <param name="BestThreshold">Euclidean distance threshold that maximises accuracy over all pairs ("same" when distance &lt; threshold).</param>
/// <param name="BestThresholdAccuracy">Accuracy over all pairs at <paramref name="BestThreshold"/>.</param>
/// <param name="FixedThresholdAccuracy">Accuracy over all pairs at <see cref="LfwReport.FixedThreshold"/>.</param>
/// <param name="Rank1">Identification rank-1 in [0, 1]: share of probes whose nearest other image (Euclidean) shows the same person.</param>
public sealed record LfwVariantResult(
    string Variant, IReadOnlyList<double> FoldAccuracies, double MeanAccuracy, double StdAccuracy,
    double BestThreshold, double BestThresholdAccuracy, double FixedThresholdAccuracy, double Rank1)
{
    /// <summary>How the chips were aligned: "blazeface-5pt", "dlib-5pt" (5 of the 68 landmarks), "dlib-68pt" (dlib's 68-point mean face) or an ensemble "a + b" (mean of the variants' descriptors).</summary>
    public string Alignment { get; init; } = "";
}

/// <summary>Result of <see cref="LfwVerification.Run"/>.</summary>
/// <param name="Pairs">Number of pairs scored (8 folds × 600 = 4,800).</param>
/// <param name="Images">Distinct images embedded.</param>
/// <param name="NoFaceRate">Share of images where no face was found (a centred chip was used instead).</param>
/// <param name="MultiFaceRate">Share of images with several faces (the one nearest the centre was used).</param>
/// <param name="Rank1Probes">Probes of the rank-1 test (images of people with ≥ 2 images).</param>
/// <param name="FixedThreshold">The fixed Euclidean threshold reported (dlib's 0.6).</param>
/// <param name="Alignment">Alignment of the pipeline's own configuration: "blazeface-5pt" or "dlib-5pt".</param>
/// <param name="Variants">Plain and flip-averaged results per alignment (several with <see cref="LfwVerification.CompareAlignments"/>).</param>
/// <param name="Elapsed">Wall-clock time of the run.</param>
public sealed record LfwReport(
    int Pairs, int Images, double NoFaceRate, double MultiFaceRate, int Rank1Probes, double FixedThreshold, string Alignment,
    IReadOnlyList<LfwVariantResult> Variants, TimeSpan Elapsed)
{
    /// <summary>A Markdown table of the variants, accuracies in percent.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            "| alignment | descriptor | accuracy (folds 1–8) | best threshold | acc. at best | acc. at 0.6 | rank-1 |",
            "|---|---|---|---|---|---|---|",
        };
        foreach (var v in Variants)
        {
            lines.Add(string.Format(inv, "| {0} | {1} | {2:0.00}% ± {3:0.00} | {4:0.000} | {5:0.00}% | {6:0.00}% | {7:0.00}% |",
                v.Alignment, v.Variant, v.MeanAccuracy * 100, v.StdAccuracy * 100, v.BestThreshold, v.BestThresholdAccuracy * 100,
                v.FixedThresholdAccuracy * 100, v.Rank1 * 100));
        }
        lines.Add(string.Format(inv, "\n{0} pairs, {1} images, no face {2:0.00}%, several faces {3:0.00}%, {4} rank-1 probes, {5:0} s",
            Pairs, Images, NoFaceRate * 100, MultiFaceRate * 100, Rank1Probes, Elapsed.TotalSeconds));
        return string.Join('\n', lines);
    }
}
