using System.Diagnostics;
using System.Globalization;
using Lookalike.Faces.Heads;

namespace Lookalike.Faces.Evaluation.Heads;

/// <summary>One row of <see cref="HeadCrossValidation.Run"/>.</summary>
/// <param name="Model">dlib, mobilefacenet, fused, triplet head or quadruplet head.</param>
/// <param name="Dimension">Descriptor length in floats.</param>
/// <param name="FoldAccuracies">Accuracy of each fold (0–1), folds 1–8 in order.</param>
/// <param name="Mean">Mean of <paramref name="FoldAccuracies"/>.</param>
/// <param name="Std">Population standard deviation of <paramref name="FoldAccuracies"/>.</param>
/// <param name="OutOfFoldMean">
/// Heads only (NaN otherwise): mean accuracy when every pair is scored by the head of its own fold and each fold's
/// threshold is chosen on the other folds' pairs so scored (as <c>Score</c> does for one descriptor).
/// </param>
/// <param name="Rank1All">Rank-1 over all probes (every image of a person with ≥ 2 images, against all the others); NaN for heads, whose training people are among the probes.</param>
/// <param name="Rank1FoldPeople">Rank-1 over the probes of folds 1–8 people only, each searched against all probes; for a head, in the space of the head of the probe's own fold (which never saw that person).</param>
/// <param name="HeadMicroseconds">Heads: microseconds per descriptor of the head on top of the fused descriptor; 0 otherwise.</param>
public sealed record HeadEvaluationRow(string Model, int Dimension, IReadOnlyList<double> FoldAccuracies, double Mean, double Std, double OutOfFoldMean,
    double Rank1All, double Rank1FoldPeople, double HeadMicroseconds);

/// <summary>The training split of one fold: what the fold's heads were trained on.</summary>
/// <param name="Fold">1–8.</param>
/// <param name="TestPeople">People in the fold's pairs (never trained on for this fold).</param>
/// <param name="TrainIdentities">Identities in the training set (LFW and extra).</param>
/// <param name="TrainImages">Images in the training set.</param>
public sealed record HeadFoldSplit(int Fold, int TestPeople, int TrainIdentities, int TrainImages);

/// <summary>Result of <see cref="HeadCrossValidation.Run"/>.</summary>
/// <param name="Rows">dlib, mobilefacenet, fused, (with principal initialisation) the untrained PCA start, triplet head, quadruplet head.</param>
/// <param name="Splits">One per fold.</param>
/// <param name="Probes">Rank-1 probes (all) and of folds 1–8 people.</param>
/// <param name="FoldPeopleProbes">Rank-1 probes whose person is in a fold 1–8 pair.</param>
/// <param name="Options">The hyper-parameters (loss differs per head row).</param>
/// <param name="Elapsed">Wall-clock time.</param>
public sealed record HeadEvaluationReport(IReadOnlyList<HeadEvaluationRow> Rows, IReadOnlyList<HeadFoldSplit> Splits, int Probes, int FoldPeopleProbes,
    HeadTrainingOptions Options, TimeSpan Elapsed)
{
    /// <summary>Per loss, the step count each fold's early stop chose (validation AUC on the next fold's pairs, with that fold's people also left out of training).</summary>
    public IReadOnlyDictionary<HeadLoss, int[]> ChosenSteps { get; init; } = new Dictionary<HeadLoss, int[]>();

    /// <summary>A Markdown table, accuracies in percent, and the split.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            "| model | dim | accuracy (folds 1–8) | per fold | out-of-fold thr. | rank-1 (all probes) | rank-1 (fold people) | head µs/face |",
            "|---|---|---|---|---|---|---|---|",
        };
        foreach (var r in Rows)
        {
            lines.Add(string.Format(inv, "| {0} | {1} | {2:0.00}% ± {3:0.00} | {4} | {5} | {6} | {7:0.00}% | {8} |",
                r.Model, r.Dimension, r.Mean * 100, r.Std * 100, string.Join(" ", r.FoldAccuracies.Select(a => (a * 100).ToString("0.00", inv))),
                double.IsNaN(r.OutOfFoldMean) ? "–" : (r.OutOfFoldMean * 100).ToString("0.00", inv) + "%",
                double.IsNaN(r.Rank1All) ? "–" : (r.Rank1All * 100).ToString("0.00", inv) + "%", r.Rank1FoldPeople * 100,
                r.HeadMicroseconds > 0 ? r.HeadMicroseconds.ToString("0.0", inv) : "–"));
        }
        lines.Add("");
        lines.Add(string.Format(inv, "{0} rank-1 probes, {1} of them of folds 1–8 people; {2:0} s", Probes, FoldPeopleProbes, Elapsed.TotalSeconds));
        lines.Add(string.Format(inv, "head: {0}→{1}{2}, {3} steps of {4}×{5}, Adam lr {6}, α1 {7}, α2 {8}, seed {9}, {10} initialisation",
            Rows.First(r => r.Model == "fused").Dimension, Options.HiddenDimension > 0 ? Options.HiddenDimension + "→" : "", Options.OutputDimension, Options.Steps,
            Options.IdentitiesPerBatch, Options.ImagesPerIdentity, Options.LearningRate, Options.Alpha1, Options.Alpha2, Options.Seed,
            Options.PrincipalInitialisation && Options.HiddenDimension == 0 ? "principal-subspace" : "Gaussian"));
        lines.Add("| fold | test people | training identities | training images |");
        lines.Add("|---|---|---|---|");
        lines.AddRange(Splits.Select(s => string.Format(inv, "| {0} | {1} | {2} | {3} |", s.Fold, s.TestPeople, s.TrainIdentities, s.TrainImages)));
        return string.Join('\n', lines);
    }
}

/// <summary>
/// 8-fold evaluation of trained heads against the descriptors they sit on, from descriptor caches: for fold k the triplet
/// and the quadruplet head (<see cref="HeadTrainer"/>, same options and seed) are trained only on people who are not in
/// fold k's pairs (the other seven folds' people, LFW people in no fold 1–8 pair, and the extra identities, e.g. CelebA),
/// and fold k's 600 pairs are scored with them; the threshold is the one that maximises accuracy on the other seven
/// folds' pairs scored by the same head (the LFW "unrestricted, labeled outside data" practice: train and threshold on
/// the training folds). Each head is reported after all <see cref="HeadTrainingOptions.Steps"/> and early-stopped: the
/// step count (0, 250, 500, 1,000, 2,000 or all) is chosen by the ROC AUC on fold k + 1's pairs of a second training
/// that also leaves fold k + 1's people out, so fold k takes no part in it. With principal initialisation the
/// untrained start (PCA of the fused descriptor) is a row too. dlib, MobileFaceNet and fused rows are
/// <c>LfwVerification.Score</c> on the same caches.
/// </summary>
public static class HeadCrossValidation
{
    /// <summary>Runs the evaluation.</summary>
    /// <param name="lfw">LFW descriptors (<c>eval-lfw --model all --descriptors-out</c>).</param>
    /// <param name="extra">Extra training identities (e.g. the CelebA sample; person names must not collide with LFW names).</param>
    /// <param name="pairsFile">The View 2 pairs file (<c>pairs_folds1-8.txt</c>).</param>
    /// <param name="options">Head options; <see cref="HeadTrainingOptions.Loss"/> is set per row.</param>
    /// <param name="log">Receives a line per trained head.</param>
    /// <param name="cancellationToken">Stops between training steps.</param>
    /// <returns>The rows and the split.</returns>
    /// <exception cref="InvalidDataException">A pair names an image the LFW cache lacks, or a cache lacks one of the models.</exception>
    public static HeadEvaluationReport Run(DescriptorCache lfw, IReadOnlyList<DescriptorCache> extra, string pairsFile, HeadTrainingOptions options,
        IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lfw);
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var watch = Stopwatch.StartNew();
        var data = LfwData.From(lfw, pairsFile);
        var fused = Fused(lfw);
        var dim = lfw.DlibDimension + lfw.MobileFaceNetDimension;
        var extraFused = extra.Select(Fused).ToArray();

        var rows = new List<HeadEvaluationRow>();
        foreach (var (name, d, n) in new[] { ("dlib", lfw.Dlib, lfw.DlibDimension), ("mobilefacenet", lfw.MobileFaceNet, lfw.MobileFaceNetDimension), ("fused", fused, dim) })
        {
            var s = LfwVerification.Score(name, d, n, data.Pairs, data.Probes, data.Person);
            var hits = LfwVerification.Rank1Hits(d, n, data.Probes, data.FoldProbes, data.Person);
            rows.Add(new HeadEvaluationRow(name, n, s.FoldAccuracies, s.MeanAccuracy, s.StdAccuracy, double.NaN, s.Rank1, (double)hits / data.FoldProbes.Count, 0));
        }

        var splits = new HeadFoldSplit[data.FoldPeople.Length];
        var foldCount = data.FoldPeople.Length;
        var same = data.Pairs.Select(p => p.Same).ToArray();
        var chosenSteps = new Dictionary<HeadLoss, int[]>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken };

        // Distances of every pair and the rank-1 hits of fold k's probes under a head of fold k.
        (double[] Distances, int Hits) Evaluate(FusionHead head, int k)
        {
            var z = head.Apply(fused);
            var distances = data.Pairs.Select(p => Euclidean(z, head.OutputDimension, p.A, p.B)).ToArray();
            var hits = LfwVerification.Rank1Hits(z, head.OutputDimension, data.Probes, data.FoldProbes.Where(q => data.FoldPeople[k].Contains(data.Person[q])).ToList(), data.Person);
            return (distances, hits);
        }

        if (options.PrincipalInitialisation && options.HiddenDimension == 0 && options.OutputDimension <= dim)
        {
            var results = new (double[] Distances, int Hits)[foldCount];
            FusionHead? first = null;
            Parallel.For(0, foldCount, parallel, k =>
            {
                var (x, labels, identities) = TrainingSet(lfw, fused, dim, extra, extraFused, data.FoldPeople[k]);
                splits[k] = new HeadFoldSplit(k + 1, data.FoldPeople[k].Count, identities, labels.Count);
                var head = new FusionHead(dim, 0, options.OutputDimension, HeadTrainer.PrincipalSubspace(x, labels.Count, dim, options.OutputDimension, new Random(options.Seed)));
                results[k] = Evaluate(head, k);
                if (k == 0)
                {
                    first = head; // only fold 1 writes it: the head whose cost is timed
                }
            });
            rows.Add(HeadRow("fused → PCA (heads' start)", options.OutputDimension, results, data, same, MicrosecondsPerFace(first!, fused)));
        }

        // Candidate step counts for the early stop; the one with the best validation AUC wins (ties: fewer steps).
        var candidates = new[] { 0, 250, 500, 1000, 2000 }.Where(c => c < options.Steps).Append(options.Steps).ToHashSet();
        foreach (var loss in new[] { HeadLoss.Triplet, HeadLoss.Quadruplet })
        {
            var o = options with { Loss = loss };
            var full = new (double[] Distances, int Hits)[foldCount];
            var early = new (double[] Distances, int Hits)[foldCount];
            var chosen = new int[foldCount];
            FusionHead? first = null;
            Parallel.For(0, foldCount, parallel, k =>
            {
                // Inner split: fold v = k + 1 (mod 8) held out as validation; its pairs choose the step count.
                var v = (k + 1) % foldCount;
                var excluded = new HashSet<string>(data.FoldPeople[k], StringComparer.Ordinal);
                excluded.UnionWith(data.FoldPeople[v]);
                var (xi, labelsi, _) = TrainingSet(lfw, fused, dim, extra, extraFused, excluded);
                var validation = Enumerable.Range(0, data.Pairs.Length).Where(i => data.Pairs[i].Fold == v).ToArray();
                var auc = new SortedDictionary<int, double>();
                HeadTrainer.Train(xi, dim, labelsi, o, cancellationToken, candidates, (step, head) =>
                {
                    var z = head.Apply(fused);
                    auc[step] = Auc(validation.Select(i => Euclidean(z, head.OutputDimension, data.Pairs[i].A, data.Pairs[i].B)).ToArray(), validation.Select(i => same[i]).ToArray());
                });
                chosen[k] = auc.OrderByDescending(a => a.Value).ThenBy(a => a.Key).First().Key;

                var (x, labels, identities) = TrainingSet(lfw, fused, dim, extra, extraFused, data.FoldPeople[k]);
                splits[k] = new HeadFoldSplit(k + 1, data.FoldPeople[k].Count, identities, labels.Count);
                FusionHead? stopped = null;
                var (head, curve) = HeadTrainer.Train(x, dim, labels, o, cancellationToken, new HashSet<int> { chosen[k] }, (_, h) => stopped = h);
                full[k] = Evaluate(head, k);
                early[k] = Evaluate(stopped!, k);
                if (k == 0)
                {
                    first = head; // only fold 1 writes it: the head whose cost is timed
                }
                log?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"{loss} head, fold {k + 1}: {labels.Count} images of {identities} identities, loss {curve[0].Loss:0.0000} → {curve[^1].Loss:0.0000}; validation (fold {v + 1}) AUC by step {string.Join(" ", auc.Select(a => $"{a.Key}:{a.Value:0.00000}"))} → {chosen[k]} steps"));
            });
            var name = loss == HeadLoss.Triplet ? "triplet head" : "quadruplet head";
            var micro = MicrosecondsPerFace(first!, fused);
            rows.Add(HeadRow(string.Create(CultureInfo.InvariantCulture, $"{name}, {o.Steps} steps"), o.OutputDimension, full, data, same, micro));
            rows.Add(HeadRow(string.Create(CultureInfo.InvariantCulture, $"{name}, early stop ({string.Join("/", chosen)} steps)"), o.OutputDimension, early, data, same, micro));
            chosenSteps[loss] = chosen;
        }
        return new HeadEvaluationReport(rows, splits, data.Probes.Count, data.FoldProbes.Count, options, watch.Elapsed) { ChosenSteps = chosenSteps };
    }

    /// <summary>
    /// A head row: fold k's pairs scored by fold k's head with the threshold that is best on the other folds' pairs under
    /// the same head; the out-of-fold variant scores every pair by its own fold's head and thresholds as <c>Score</c>.
    /// </summary>
    private static HeadEvaluationRow HeadRow(string name, int dimension, (double[] Distances, int Hits)[] results, LfwData data, bool[] same, double microseconds)
    {
        var folds = new List<double>();
        var oof = new double[data.Pairs.Length];
        for (var k = 0; k < results.Length; k++)
        {
            var train = Enumerable.Range(0, data.Pairs.Length).Where(i => data.Pairs[i].Fold != k).ToArray();
            var test = Enumerable.Range(0, data.Pairs.Length).Where(i => data.Pairs[i].Fold == k).ToArray();
            var d = results[k].Distances;
            var (threshold, _) = LfwVerification.BestThreshold(train.Select(i => d[i]).ToArray(), train.Select(i => same[i]).ToArray());
            folds.Add(LfwVerification.Accuracy(test.Select(i => d[i]).ToArray(), test.Select(i => same[i]).ToArray(), threshold));
            foreach (var i in test)
            {
                oof[i] = d[i];
            }
        }
        var oofFolds = new List<double>();
        for (var k = 0; k < results.Length; k++)
        {
            var train = Enumerable.Range(0, data.Pairs.Length).Where(i => data.Pairs[i].Fold != k).ToArray();
            var test = Enumerable.Range(0, data.Pairs.Length).Where(i => data.Pairs[i].Fold == k).ToArray();
            var (threshold, _) = LfwVerification.BestThreshold(train.Select(i => oof[i]).ToArray(), train.Select(i => same[i]).ToArray());
            oofFolds.Add(LfwVerification.Accuracy(test.Select(i => oof[i]).ToArray(), test.Select(i => same[i]).ToArray(), threshold));
        }
        var mean = folds.Average();
        var std = Math.Sqrt(folds.Sum(a => (a - mean) * (a - mean)) / folds.Count);
        return new HeadEvaluationRow(name, dimension, folds, mean, std, oofFolds.Average(), double.NaN, (double)results.Sum(r => r.Hits) / data.FoldProbes.Count, microseconds);
    }

    /// <summary>Area under the ROC curve of "same person when the distance is small": P(d(same) &lt; d(different)), ties counting ½.</summary>
    internal static double Auc(double[] distances, bool[] same)
    {
        var s = distances.Where((_, i) => same[i]).ToArray();
        var n = distances.Where((_, i) => !same[i]).ToArray();
        double wins = 0;
        foreach (var a in s)
        {
            foreach (var b in n)
            {
                wins += a < b ? 1 : a == b ? 0.5 : 0;
            }
        }
        return s.Length == 0 || n.Length == 0 ? double.NaN : wins / ((double)s.Length * n.Length);
    }

    /// <summary>The training set: every image of the caches whose person is not in <paramref name="excluded"/>.</summary>
    /// <param name="lfw">The LFW cache.</param>
    /// <param name="lfwFused">Its fused descriptors, row-major float[images, <paramref name="dim"/>].</param>
    /// <param name="dim">Fused dimension (320).</param>
    /// <param name="extra">Extra caches (e.g. CelebA).</param>
    /// <param name="extraFused">Their fused descriptors, one array per cache.</param>
    /// <param name="excluded">People left out (a fold's test people; empty for the shipped head).</param>
    /// <returns>Row-major float[images, dim] descriptors, int[images] labels (0-based identity numbers) and the number of identities.</returns>
    public static (float[] X, List<int> Labels, int Identities) TrainingSet(DescriptorCache lfw, float[] lfwFused, int dim, IReadOnlyList<DescriptorCache> extra,
        IReadOnlyList<float[]> extraFused, IReadOnlySet<string> excluded)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new List<int>();
        var x = new List<float>();
        void Add(DescriptorCache cache, float[] f)
        {
            for (var i = 0; i < cache.Count; i++)
            {
                var person = cache.Persons[i];
                if (excluded.Contains(person))
                {
                    continue;
                }
                if (!ids.TryGetValue(person, out var id))
                {
                    ids[person] = id = ids.Count;
                }
                labels.Add(id);
                x.AddRange(f.AsSpan(i * dim, dim));
            }
        }
        Add(lfw, lfwFused);
        for (var e = 0; e < extra.Count; e++)
        {
            Add(extra[e], extraFused[e]);
        }
        return ([.. x], labels, ids.Count);
    }

    /// <summary>Microseconds per descriptor of <paramref name="head"/> (best of 5 passes over all descriptors, one thread).</summary>
    internal static double MicrosecondsPerFace(FusionHead head, float[] fused)
    {
        var n = fused.Length / head.InputDimension;
        var best = double.MaxValue;
        for (var r = 0; r < 5; r++)
        {
            var t = Stopwatch.GetTimestamp();
            _ = head.Apply(fused);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMicroseconds / n);
        }
        return best;
    }

    private static float[] Fused(DescriptorCache cache)
    {
        if (cache.DlibDimension == 0 || cache.MobileFaceNetDimension == 0)
        {
            throw new InvalidDataException("A descriptor cache lacks dlib or MobileFaceNet descriptors; write it with --model all.");
        }
        return cache.Fused();
    }

    private static double Euclidean(float[] z, int dim, int a, int b) => Math.Sqrt(HeadTrainer.Distance(z, dim, a, b));

    /// <summary>LFW pairs, probes and fold people indexed into a descriptor cache.</summary>
    internal sealed record LfwData((int A, int B, bool Same, int Fold)[] Pairs, List<int> Probes, List<int> FoldProbes, Dictionary<int, string> Person, HashSet<string>[] FoldPeople)
    {
        public static LfwData From(DescriptorCache lfw, string pairsFile)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < lfw.Count; i++)
            {
                index[lfw.Keys[i]] = i;
            }
            int Row(string name, int number)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"{name}_{number:0000}");
                return index.TryGetValue(key, out var i) ? i : throw new InvalidDataException($"The LFW descriptor cache has no {key}; write it from the same pairs file.");
            }
            var pairs = LfwVerification.ReadPairs(pairsFile);
            var pairIndex = pairs.Select(p => (A: Row(p.NameA, p.NumberA), B: Row(p.NameB, p.NumberB), p.Same, p.Fold)).ToArray();
            var folds = pairs.Max(p => p.Fold) + 1;
            var foldPeople = Enumerable.Range(0, folds).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
            foreach (var p in pairs)
            {
                foldPeople[p.Fold].Add(p.NameA);
                foldPeople[p.Fold].Add(p.NameB);
            }
            var counts = lfw.Persons.GroupBy(p => p, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var person = new Dictionary<int, string>();
            var probes = new List<int>();
            for (var i = 0; i < lfw.Count; i++)
            {
                person[i] = lfw.Persons[i];
                if (counts[lfw.Persons[i]] >= 2)
                {
                    probes.Add(i);
                }
            }
            var anyFold = foldPeople.SelectMany(f => f).ToHashSet(StringComparer.Ordinal);
            var foldProbes = probes.Where(i => anyFold.Contains(person[i])).ToList();
            return new LfwData(pairIndex, probes, foldProbes, person, foldPeople);
        }
    }
}
