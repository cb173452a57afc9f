using System.Diagnostics;
using System.Globalization;
using Lookalike.Faces.Alignment;

namespace Lookalike.Faces.Evaluation;

/// <summary>
/// The standard LFW verification protocol (G. B. Huang et al., "Labeled Faces in the Wild", UMass TR 07-49, 2007; View 2)
/// on <c>pairs_folds1-8.txt</c>, plus identification rank-1, for the pipeline's descriptors.
/// </summary>
/// <remarks>
/// Each fold's threshold is the one that maximises accuracy on the other folds ("same person" when the Euclidean
/// distance is below it); accuracy is reported as mean ± population std over the folds. An image without a face gets
/// the centred chip of <see cref="FaceAligner.AlignCentred"/> so every pair is scored; with several faces the one whose
/// box centre is nearest the image centre is used. Rank-1: every image of a person with ≥ 2 images is a probe against
/// all the other such images. Not thread-safe (one run at a time); runs sequentially, the network batched by 16.
/// </remarks>
public sealed partial class LfwVerification
{
    /// <summary>dlib's same-person threshold on the Euclidean distance.</summary>
    public const double FixedThreshold = 0.6;

    private const int Batch = 16;
    private readonly FacePipeline _pipeline;

    /// <summary>Creates an evaluation of <paramref name="pipeline"/>'s decoder, detector, aligner and descriptor.</summary>
    /// <param name="pipeline">The pipeline (its <see cref="FaceOptions.FlipAverage"/> is ignored: both variants are reported).</param>
    /// <exception cref="ArgumentNullException"><paramref name="pipeline"/> is null.</exception>
    public LfwVerification(FacePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    /// <summary>
    /// false (default): evaluate the pipeline's own alignment. true: also run the 68-point landmark network and report
    /// every alignment (BlazeFace 5-point template, dlib 5 points, dlib 68-point mean face) and the mean of the first two
    /// descriptors, from one pass over the images (about 3× the embedding time).
    /// </summary>
    public bool CompareAlignments { get; init; }

    /// <summary>Runs the protocol.</summary>
    /// <param name="lfwDirectory">The LFW folder: <c>&lt;Person&gt;/&lt;Person&gt;_NNNN.jpg</c> and <c>pairs_folds1-8.txt</c>.</param>
    /// <param name="pairsFile">Pairs file; null: <c>pairs_folds1-8.txt</c> in <paramref name="lfwDirectory"/>.</param>
    /// <param name="progress">Receives (images done, images total) every 100 images.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <returns>Accuracy of the plain and flip-averaged descriptors, rank-1 and the detection rates.</returns>
    /// <exception cref="FileNotFoundException">The pairs file or an image is missing.</exception>
    /// <exception cref="InvalidDataException">The pairs file is malformed.</exception>
    public LfwReport Run(string lfwDirectory, string? pairsFile = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lfwDirectory);
        var watch = Stopwatch.StartNew();
        var pairs = ReadPairs(pairsFile ?? Path.Combine(lfwDirectory, "pairs_folds1-8.txt"));
        var (images, pairIndex, probes, person) = ImageSet(lfwDirectory, pairs);

        // Chips per image for each alignment; descriptors plain and flip-averaged.
        var own = _pipeline.Options.UseLandmarks ? "dlib-5pt" : "blazeface-5pt";
        using var landmarker = CompareAlignments && !_pipeline.Options.UseLandmarks ? new Lookalike.Faces.Landmarks.FaceLandmarker(_pipeline.Options) : null;
        var alignments = CompareAlignments ? new[] { "blazeface-5pt", "dlib-5pt", "dlib-68pt" } : [own];
        var n = _pipeline.Dimension;
        var plain = alignments.Select(_ => new float[images.Count * n]).ToArray();
        var flipped = alignments.Select(_ => new float[images.Count * n]).ToArray();
        var jitter = CompareAlignments ? 0 : _pipeline.JitterCount;
        var jittered = jitter > 0 ? new float[images.Count * n] : null;
        var jitterChips = new List<byte[]>();
        var jitterImages = new List<int>();
        int noFace = 0, multiFace = 0;
        var chips = new List<byte[]>(Batch * alignments.Length * 2);
        var start = 0;
        var pending = 0;
        for (var i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = images[i];
            var path = Path.Combine(lfwDirectory, key[..key.LastIndexOf('_')], key + ".jpg");
            var (image, faces) = _pipeline.DecodeAndDetect(File.ReadAllBytes(path));
            if (faces.Count == 0)
            {
                noFace++;
                var centred = _pipeline.Aligner.AlignCentred(image);
                foreach (var _ in alignments)
                {
                    chips.Add(centred);
                    chips.Add(FaceAligner.Mirror(centred));
                }
            }
            else
            {
                if (faces.Count > 1)
                {
                    multiFace++;
                }
                var centre = new Point2(image.Width / 2f, image.Height / 2f);
                var face = faces.MinBy(f => Square(f.Box.Centre.X - centre.X) + Square(f.Box.Centre.Y - centre.Y))!;
                if (!CompareAlignments)
                {
                    var chip = _pipeline.Chip(image, face, jitter > 0 ? jitterChips : null);
                    chips.Add(chip);
                    chips.Add(FaceAligner.Mirror(chip));
                    if (jitter > 0)
                    {
                        jitterImages.Add(i);
                    }
                }
                else
                {
                    var landmarks = landmarker is not null ? landmarker.Detect(image, face) : _pipeline.Landmarks(image, face);
                    foreach (var chip in new[] { _pipeline.Aligner.Align(image, face), _pipeline.Aligner.AlignDlib(image, landmarks), _pipeline.Aligner.AlignDlib68(image, landmarks) })
                    {
                        chips.Add(chip);
                        chips.Add(FaceAligner.Mirror(chip));
                    }
                }
            }
            pending++;
            if (pending == Batch || i == images.Count - 1)
            {
                var d = _pipeline.Embedder.EmbedMean(chips, 1);
                for (var k = 0; k < pending; k++)
                {
                    var dst = (start + k) * n;
                    for (var a = 0; a < alignments.Length; a++)
                    {
                        var src = ((k * alignments.Length) + a) * 2 * n;
                        for (var j = 0; j < n; j++)
                        {
                            var x = d[src + j];
                            var y = d[src + n + j];
                            plain[a][dst + j] = x;
                            flipped[a][dst + j] = (x + y) * 0.5f;
                        }
                    }
                }
                if (jittered is not null)
                {
                    // Images without a face keep their flip-averaged centred chip.
                    flipped[0].AsSpan(start * n, pending * n).CopyTo(jittered.AsSpan(start * n));
                    var dj = _pipeline.Embedder.EmbedMean(jitterChips, _pipeline.JitterCount);
                    for (var k = 0; k < jitterImages.Count; k++)
                    {
                        dj.AsSpan(k * n, n).CopyTo(jittered.AsSpan(jitterImages[k] * n, n));
                    }
                    jitterChips.Clear();
                    jitterImages.Clear();
                }
                start += pending;
                pending = 0;
                chips.Clear();
            }
            if ((i + 1) % 100 == 0 || i == images.Count - 1)
            {
                progress?.Report((i + 1, images.Count));
            }
        }

        var variants = new List<LfwVariantResult>();
        for (var a = 0; a < alignments.Length; a++)
        {
            variants.Add(Score("plain", plain[a], n, pairIndex, probes, person) with { Alignment = alignments[a] });
            variants.Add(Score("flip-averaged", flipped[a], n, pairIndex, probes, person) with { Alignment = alignments[a] });
        }
        if (jittered is not null)
        {
            variants.Add(Score(string.Create(CultureInfo.InvariantCulture, $"jitter-averaged ×{jitter}"), jittered, n, pairIndex, probes, person) with { Alignment = alignments[0] });
        }
        if (alignments.Length > 1)
        {
            var ensemble = new float[images.Count * n];
            for (var j = 0; j < ensemble.Length; j++)
            {
                ensemble[j] = (flipped[0][j] + flipped[1][j]) * 0.5f;
            }
            variants.Add(Score("flip-averaged", ensemble, n, pairIndex, probes, person) with { Alignment = alignments[0] + " + " + alignments[1] });
        }
        return new LfwReport(pairs.Count, images.Count, (double)noFace / images.Count, (double)multiFace / images.Count, probes.Count,
            FixedThreshold, own, variants, watch.Elapsed);
    }

    /// <summary>Images: both sides of every pair plus every image of every person with ≥ 2 images (the rank-1 probes).</summary>
    private static (List<string> Images, (int A, int B, bool Same, int Fold)[] PairIndex, List<int> Probes, Dictionary<int, string> Person) ImageSet(string lfwDirectory, List<Pair> pairs)
    {
        var images = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        int Add(string key)
        {
            if (!index.TryGetValue(key, out var i))
            {
                i = images.Count;
                index[key] = i;
                images.Add(key);
            }
            return i;
        }
        var pairIndex = pairs.Select(p => (A: Add(Key(p.NameA, p.NumberA)), B: Add(Key(p.NameB, p.NumberB)), p.Same, p.Fold)).ToArray();
        var probes = new List<int>();
        var person = new Dictionary<int, string>();
        foreach (var dir in Directory.GetDirectories(lfwDirectory).Order(StringComparer.Ordinal))
        {
            var files = Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).ToArray();
            if (files.Length < 2)
            {
                continue;
            }
            var name = Path.GetFileName(dir);
            foreach (var f in files)
            {
                var i = Add(Path.GetFileNameWithoutExtension(f));
                probes.Add(i);
                person[i] = name;
            }
        }
        return (images, pairIndex, probes, person);
    }

    /// <summary>The path of an image key <c>Name_NNNN</c>.</summary>
    private static string ImagePath(string lfwDirectory, string key) => Path.Combine(lfwDirectory, key[..key.LastIndexOf('_')], key + ".jpg");

    internal static LfwVariantResult Score(string name, float[] descriptors, int n, (int A, int B, bool Same, int Fold)[] pairs, List<int> probes, Dictionary<int, string> person)
    {
        var distances = pairs.Select(p => Distance(descriptors, p.A, p.B, n)).ToArray();
        var same = pairs.Select(p => p.Same).ToArray();
        var folds = pairs.Select(p => p.Fold).Distinct().Order().ToArray();
        var foldAccuracies = new List<double>();
        foreach (var fold in folds)
        {
            var train = Enumerable.Range(0, pairs.Length).Where(i => pairs[i].Fold != fold).ToArray();
            var test = Enumerable.Range(0, pairs.Length).Where(i => pairs[i].Fold == fold).ToArray();
            var (threshold, _) = BestThreshold(train.Select(i => distances[i]).ToArray(), train.Select(i => same[i]).ToArray());
            foldAccuracies.Add(Accuracy(test.Select(i => distances[i]).ToArray(), test.Select(i => same[i]).ToArray(), threshold));
        }
        var mean = foldAccuracies.Average();
        var std = Math.Sqrt(foldAccuracies.Sum(a => (a - mean) * (a - mean)) / foldAccuracies.Count);
        var (best, bestAccuracy) = BestThreshold(distances, same);
        var fixedAccuracy = Accuracy(distances, same, FixedThreshold);
        return new LfwVariantResult(name, foldAccuracies, mean, std, best, bestAccuracy, fixedAccuracy, Rank1(descriptors, n, probes, person));
    }

    /// <summary>Sweeps the midpoints between sorted distances; returns the threshold with the highest accuracy.</summary>
    internal static (double Threshold, double Accuracy) BestThreshold(double[] distances, bool[] same)
    {
        var order = Enumerable.Range(0, distances.Length).OrderBy(i => distances[i]).ToArray();
        // Threshold below everything: all "different".
        var correct = same.Count(s => !s);
        var bestCorrect = correct;
        var best = order.Length > 0 ? distances[order[0]] - 1e-6 : 0;
        for (var k = 0; k < order.Length; k++)
        {
            // Move pair order[k] to "same".
            correct += same[order[k]] ? 1 : -1;
            var next = k + 1 < order.Length ? distances[order[k + 1]] : distances[order[k]] + 1e-6;
            if (correct > bestCorrect && next > distances[order[k]])
            {
                bestCorrect = correct;
                best = (distances[order[k]] + next) / 2;
            }
        }
        return (best, (double)bestCorrect / distances.Length);
    }

    internal static double Accuracy(double[] distances, bool[] same, double threshold)
    {
        var correct = 0;
        for (var i = 0; i < distances.Length; i++)
        {
            if ((distances[i] < threshold) == same[i])
            {
                correct++;
            }
        }
        return (double)correct / distances.Length;
    }

    private static double Rank1(float[] descriptors, int n, List<int> probes, Dictionary<int, string> person) =>
        probes.Count == 0 ? double.NaN : (double)Rank1Hits(descriptors, n, probes, probes, person) / probes.Count;

    /// <summary>How many of <paramref name="queries"/> have as nearest other image of <paramref name="gallery"/> (Euclidean) an image of the same person.</summary>
    internal static int Rank1Hits(float[] descriptors, int n, IReadOnlyList<int> gallery, IReadOnlyList<int> queries, IReadOnlyDictionary<int, string> person)
    {
        var hits = 0;
        var lockObj = new object();
        Parallel.For(0, queries.Count, () => 0, (p, _, local) =>
        {
            var best = double.MaxValue;
            var bestIndex = -1;
            foreach (var g in gallery)
            {
                if (g == queries[p])
                {
                    continue;
                }
                var d = Distance(descriptors, queries[p], g, n);
                if (d < best)
                {
                    best = d;
                    bestIndex = g;
                }
            }
            return bestIndex >= 0 && person[bestIndex] == person[queries[p]] ? local + 1 : local;
        }, local =>
        {
            lock (lockObj)
            {
                hits += local;
            }
        });
        return hits;
    }

    /// <summary>Euclidean distance of descriptors <paramref name="a"/> and <paramref name="b"/> of a row-major [count, <paramref name="n"/>] array.</summary>
    private static double Distance(float[] d, int a, int b, int n)
    {
        var x = d.AsSpan(a * n, n);
        var y = d.AsSpan(b * n, n);
        float sum = 0;
        for (var i = 0; i < n; i++)
        {
            var t = x[i] - y[i];
            sum += t * t;
        }
        return Math.Sqrt(sum);
    }

    private static float Square(float v) => v * v;

    private static string Key(string name, int number) => string.Create(CultureInfo.InvariantCulture, $"{name}_{number:0000}");

    internal sealed record Pair(string NameA, int NumberA, string NameB, int NumberB, bool Same, int Fold);

    /// <summary>
    /// Checks a View 2 pairs file (header "folds&lt;TAB&gt;n", then per fold n matched and n mismatched lines) without
    /// reading any image, so a long run can refuse a malformed file before it starts.
    /// </summary>
    /// <param name="path">The pairs file.</param>
    /// <returns>The number of pairs (folds × 2n).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, its header or a line is malformed, or the line count does not match the header.</exception>
    public static int CountPairs(string path) => ReadPairs(path).Count;

    /// <summary>Reads a View 2 pairs file: header "folds&lt;TAB&gt;n", then per fold n matched and n mismatched lines.</summary>
    internal static List<Pair> ReadPairs(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("LFW pairs file not found.", path);
        }
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"{path}: the pairs file is empty (expected a header '<folds><TAB><pairs per side>' and the pair lines).");
        }
        var header = lines[0].Split('\t', ' ');
        if (header.Length < 2 || !int.TryParse(header[0], CultureInfo.InvariantCulture, out var folds) || !int.TryParse(header[1], CultureInfo.InvariantCulture, out var perSide))
        {
            throw new InvalidDataException($"{path}: the header must be '<folds><TAB><pairs per side>'.");
        }
        if (lines.Length - 1 != folds * perSide * 2)
        {
            throw new InvalidDataException($"{path}: expected {folds * perSide * 2} pair lines, found {lines.Length - 1}.");
        }
        var pairs = new List<Pair>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split('\t');
            var fold = (i - 1) / (2 * perSide);
            int Number(string field) => int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new InvalidDataException($"{path}:{i + 1}: '{field}' is not an image number.");
            pairs.Add(f.Length switch
            {
                3 => new Pair(f[0], Number(f[1]), f[0], Number(f[2]), true, fold),
                4 => new Pair(f[0], Number(f[1]), f[2], Number(f[3]), false, fold),
                _ => throw new InvalidDataException($"{path}:{i + 1}: expected 3 or 4 tab-separated fields."),
            });
        }
        return pairs;
    }
}
