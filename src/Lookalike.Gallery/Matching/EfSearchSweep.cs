using System.Diagnostics;

using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>One point of an efSearch sweep: recall@k against exact search and the mean search latency.</summary>
public sealed record SweepPoint(int EfSearch, double Recall, double MeanLatencyMs, double MeanDistanceComputations);

/// <summary>
/// Measures recall@k against exact search and latency for several efSearch values, using sampled gallery faces as queries
/// (each query's own face is left out of both result lists, so the trivial self-match does not inflate recall).
/// </summary>
public static class EfSearchSweep
{
    /// <summary>The efSearch values swept by default.</summary>
    public static readonly int[] DefaultValues = [10, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];

    /// <summary>Runs the sweep. <paramref name="queries"/> faces are sampled with a fixed seed.</summary>
    public static IReadOnlyList<SweepPoint> Run(GallerySnapshot snapshot, IReadOnlyList<int> efValues, int queries = 100, int k = 10, int seed = 7, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(efValues);
        var (labels, count) = snapshot.RowView();
        if (count <= k)
        {
            return [];
        }
        var random = new Random(seed);
        var sample = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(Math.Min(queries, count)).ToArray();
        var queryVectors = sample.Select(row => snapshot.VectorOf(labels[row])!).ToArray();
        var truths = sample.Select((row, i) =>
        {
            var q = queryVectors[i];
            return snapshot.ExactSearch(q, k + 1).Select(n => n.Label).Where(l => l != labels[row]).Take(k).ToHashSet();
        }).ToArray();
        var points = new List<SweepPoint>(efValues.Count);
        foreach (var ef in efValues)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double hits = 0, total = 0, ms = 0, computations = 0;
            for (var i = 0; i < sample.Length; i++)
            {
                var row = sample[i];
                var q = queryVectors[i];
                var start = Stopwatch.GetTimestamp();
                var result = snapshot.Index.Search(q, k + 1, Math.Max(ef, k + 1), null, out var stats);
                ms += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                computations += stats.DistanceComputations;
                var found = result.Select(n => n.Label).Where(l => l != labels[row]).Take(k);
                hits += found.Count(truths[i].Contains);
                total += truths[i].Count;
            }
            points.Add(new SweepPoint(ef, total == 0 ? 1 : hits / total, ms / sample.Length, computations / sample.Length));
        }
        return points;
    }

    /// <summary>The smallest swept efSearch whose recall reaches <paramref name="target"/>, or null.</summary>
    public static int? SmallestReaching(IReadOnlyList<SweepPoint> points, double target) =>
        points.Where(p => p.Recall >= target).OrderBy(p => p.EfSearch).Select(p => (int?)p.EfSearch).FirstOrDefault();

    /// <summary>Estimated index memory in bytes: Count × (dimension × 4 + 2 × M × 4) plus 20 % overhead for upper layers and maps.</summary>
    public static long EstimateMemoryBytes(int count, int m, int dimension) => (long)(count * (dimension * 4.0 + 2 * m * 4) * 1.2);
}
