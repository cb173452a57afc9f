using System.Diagnostics;

using Lookalike.Gallery.Index;
using Lookalike.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>
/// One point of an efSearch sweep: recall@k against exact search, the median over passes of the mean search latency
/// per query (ms), and the mean distance computations per query.
/// </summary>
public sealed record SweepPoint(int EfSearch, double Recall, double MedianLatencyMs, double MeanDistanceComputations)
{
    /// <summary>Queries per second on one thread at <see cref="MedianLatencyMs"/> (0 when the latency is 0).</summary>
    public double Qps => MedianLatencyMs <= 0 ? 0 : 1000 / MedianLatencyMs;
}

/// <summary>Where the sweep's queries come from.</summary>
public enum SweepQuerySource
{
    /// <summary>
    /// Leave-people-out (the default, and what the Tuning page uses): the gallery's people are split into folds; for
    /// each fold an HNSW index with the same parameters is built over everyone else, and one face of each left-out person
    /// asks it. The query and all of that person's faces are absent from the graph and from the exact truth, like a
    /// stranger's photo on the home page. Chosen over mirrored or jittered chips because a mirrored chip still has its
    /// own original in the gallery at a tiny distance, which the graph finds easily; and over excluding a query's own id
    /// (<see cref="LeaveOneOut"/>) because that query still sits in the graph, linked to its exact neighbours, so the
    /// search walks straight to them: on a 9,145-face LFW gallery (M 16, efConstruction 200) that read recall@10 0.968 at
    /// efSearch 10, left-out people 0.758, and ten strangers' photos averaged 0.80.
    /// </summary>
    HeldOutPeople,

    /// <summary>Stored faces ask the index that holds them; their own face id is taken out of both the HNSW result and
    /// the exact truth. The query is still a node of the graph, so this overstates recall for new photos.</summary>
    LeaveOneOut,

    /// <summary>Stored faces ask the index that holds them and may find themselves (the upper bound; for comparison only).</summary>
    SelfQuery,
}

/// <summary>
/// The prepared side of a sweep: the queries, the index each asks (the live one, or one built without the query's
/// person), the face id each must not return, and the exact truth. Made by <see cref="EfSearchSweep.Prepare"/>;
/// measuring with it changes nothing in the live gallery.
/// </summary>
public sealed class SweepQuerySet
{
    private readonly (HnswIndex Index, float[] Query, long Self, HashSet<long> Truth)[] _queries;

    internal SweepQuerySet(SweepQuerySource source, int k, int indexedFaces, (HnswIndex, float[], long, HashSet<long>)[] queries)
    {
        Source = source;
        K = k;
        IndexedFaces = indexedFaces;
        _queries = queries;
    }

    /// <summary>Where the queries come from.</summary>
    public SweepQuerySource Source { get; }

    /// <summary>The k of recall@k.</summary>
    public int K { get; }

    /// <summary>How many queries are asked per efSearch and pass.</summary>
    public int Count => _queries.Length;

    /// <summary>Faces in the gallery the queries are asked of (for <see cref="SweepQuerySource.HeldOutPeople"/>: the live count; each fold's index holds fewer).</summary>
    public int IndexedFaces { get; }

    /// <summary>Each query's searched index, own face id and exact truth (for tests).</summary>
    internal IEnumerable<(HnswIndex Index, long Self, IReadOnlySet<long> Truth)> Items => _queries.Select(q => (q.Index, q.Self, (IReadOnlySet<long>)q.Truth));

    /// <summary>
    /// Recall@k and timing at one efSearch: every query is asked once per pass; a pass's latency is its mean per query;
    /// the point carries the median over <paramref name="passes"/> passes (recall does not depend on the pass).
    /// </summary>
    /// <param name="efSearch">Candidate list size; raised to k (k + 1 for <see cref="SweepQuerySource.LeaveOneOut"/>) as the app does.</param>
    /// <param name="passes">1 or more timed passes.</param>
    public SweepPoint Measure(int efSearch, int passes = EfSearchSweep.DefaultPasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var latencies = new double[passes];
        var (recall, computations) = (0.0, 0.0);
        for (var pass = 0; pass < passes; pass++)
        {
            var (r, ms, c) = Pass(efSearch);
            latencies[pass] = ms;
            (recall, computations) = (r, c);
        }
        return new SweepPoint(efSearch, recall, EfSearchSweep.Median(latencies), computations);
    }

    /// <summary>One timed pass: recall, mean latency per query (ms), mean distance computations.</summary>
    internal (double Recall, double MeanMs, double Computations) Pass(int efSearch)
    {
        if (_queries.Length == 0)
        {
            return (1, 0, 0);
        }
        var leaveOut = Source == SweepQuerySource.LeaveOneOut;
        var fetch = leaveOut ? K + 1 : K;
        var ef = Math.Max(efSearch, fetch);
        double hits = 0, total = 0, ticks = 0, computations = 0;
        foreach (var (index, query, self, truth) in _queries)
        {
            var start = Stopwatch.GetTimestamp();
            var result = index.Search(query, fetch, ef, null, out var stats);
            ticks += Stopwatch.GetTimestamp() - start;
            computations += stats.DistanceComputations;
            var found = 0;
            var taken = 0;
            foreach (var n in result)
            {
                if (leaveOut && n.Label == self)
                {
                    continue;
                }
                if (taken++ == K)
                {
                    break;
                }
                if (truth.Contains(n.Label))
                {
                    found++;
                }
            }
            hits += found;
            total += truth.Count;
        }
        var meanMs = ticks * 1000.0 / Stopwatch.Frequency / _queries.Length;
        return (total == 0 ? 1 : hits / total, meanMs, computations / _queries.Length);
    }
}

/// <summary>
/// Measures recall@k against exact search and latency for several efSearch values. By default the queries are faces
/// the searched index does not hold (<see cref="SweepQuerySource.HeldOutPeople"/>: leave-people-out), because recall
/// measured with gallery faces as queries is far above what a stranger's photo gets. Timings are the median of
/// <see cref="DefaultPasses"/> passes, so one noisy pass does not bend the curve.
/// </summary>
public static class EfSearchSweep
{
    /// <summary>The efSearch values swept by default (10 to 256).</summary>
    public static readonly int[] DefaultValues = [10, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];

    /// <summary>Timed passes per efSearch; the median is kept. Defaults to 5.</summary>
    public const int DefaultPasses = 5;

    /// <summary>Most folds (index builds) of <see cref="SweepQuerySource.HeldOutPeople"/>.</summary>
    public const int MaxFolds = 5;

    /// <summary>
    /// Picks the queries and builds what they ask. For <see cref="SweepQuerySource.HeldOutPeople"/> people are drawn with
    /// a fixed seed, one face each, in folds of at most a fifth of the people (at most <see cref="MaxFolds"/> folds);
    /// each fold's index is built with the live index's options (M, efConstruction, seed) over all other faces.
    /// </summary>
    /// <param name="snapshot">The gallery; not changed.</param>
    /// <param name="source">Where the queries come from. Defaults to leave-people-out.</param>
    /// <param name="queries">Most queries (1 or more). Defaults to 100.</param>
    /// <param name="k">The k of recall@k (1 or more). Defaults to 10.</param>
    /// <param name="seed">Sampling seed. Defaults to 7.</param>
    /// <param name="cancellationToken">Stops between index builds.</param>
    /// <returns>An empty set when the gallery has k faces or fewer (or, held out, fewer than two people).</returns>
    public static SweepQuerySet Prepare(GallerySnapshot snapshot, SweepQuerySource source = SweepQuerySource.HeldOutPeople, int queries = 100, int k = 10, int seed = 7, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfLessThan(queries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var (rows, count) = snapshot.RowView();
        var labels = rows.AsSpan(0, count).ToArray();
        if (count <= k)
        {
            return new SweepQuerySet(source, k, count, []);
        }
        var random = new Random(seed);
        return source == SweepQuerySource.HeldOutPeople
            ? PrepareHeldOut(snapshot, labels, queries, k, random, cancellationToken)
            : PrepareStored(snapshot, labels, source, queries, k, random);
    }

    private static SweepQuerySet PrepareStored(GallerySnapshot snapshot, long[] labels, SweepQuerySource source, int queries, int k, Random random)
    {
        var sample = labels.OrderBy(_ => random.Next()).Take(Math.Min(queries, labels.Length)).ToArray();
        var leaveOut = source == SweepQuerySource.LeaveOneOut;
        var set = sample.Select(label =>
        {
            var q = snapshot.VectorOf(label)!;
            var truth = snapshot.ExactSearch(q, leaveOut ? k + 1 : k).Select(n => n.Label).Where(l => !leaveOut || l != label).Take(k).ToHashSet();
            return (snapshot.Index, q, label, truth);
        }).ToArray();
        return new SweepQuerySet(source, k, labels.Length, set);
    }

    private static SweepQuerySet PrepareHeldOut(GallerySnapshot snapshot, long[] labels, int queries, int k, Random random, CancellationToken cancellationToken)
    {
        var byPerson = labels.Where(snapshot.Faces.ContainsKey).GroupBy(l => snapshot.Faces[l].PersonId).Select(g => g.ToArray()).ToArray();
        if (byPerson.Length < 2)
        {
            return new SweepQuerySet(SweepQuerySource.HeldOutPeople, k, labels.Length, []);
        }
        var people = byPerson.OrderBy(_ => random.Next()).ToArray();
        var perFold = Math.Max(1, people.Length / 5);
        var folds = Math.Min(MaxFolds, (Math.Min(queries, people.Length) + perFold - 1) / perFold);
        var set = new List<(HnswIndex, float[], long, HashSet<long>)>();
        var dimension = snapshot.Dimension;
        for (var fold = 0; fold < folds; fold++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var heldPeople = people.Skip(fold * perFold).Take(Math.Min(perFold, queries - set.Count)).ToArray();
            if (heldPeople.Length == 0)
            {
                break;
            }
            var held = heldPeople.SelectMany(p => p).ToHashSet();
            var kept = labels.Where(l => !held.Contains(l)).ToArray();
            if (kept.Length <= k)
            {
                break;
            }
            var vectors = new float[kept.Length * dimension];
            for (var i = 0; i < kept.Length; i++)
            {
                snapshot.Index.TryGetVector(kept[i], vectors.AsSpan(i * dimension, dimension));
            }
            var index = new HnswIndex(snapshot.Index.Options with { InitialCapacity = kept.Length });
            index.AddRange(kept, vectors, cancellationToken: cancellationToken);
            foreach (var person in heldPeople)
            {
                var label = person[random.Next(person.Length)];
                var q = snapshot.VectorOf(label)!;
                var truth = snapshot.ExactSearch(q, k, l => !held.Contains(l)).Select(n => n.Label).ToHashSet();
                set.Add((index, q, label, truth));
            }
        }
        return new SweepQuerySet(SweepQuerySource.HeldOutPeople, k, labels.Length, [.. set]);
    }

    /// <summary>
    /// Measures every efSearch of <paramref name="efValues"/> over <paramref name="passes"/> passes. The passes are
    /// interleaved (pass 1 of every value, then pass 2, in a rotated order) so a slow moment of the machine is spread over
    /// all values instead of landing on one; each point keeps the median pass latency.
    /// </summary>
    public static IReadOnlyList<SweepPoint> Run(SweepQuerySet queries, IReadOnlyList<int> efValues, int passes = DefaultPasses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(efValues);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        if (queries.Count == 0)
        {
            return [];
        }
        var latencies = new double[efValues.Count][];
        var recalls = new double[efValues.Count];
        var computations = new double[efValues.Count];
        for (var i = 0; i < efValues.Count; i++)
        {
            latencies[i] = new double[passes];
        }
        for (var pass = 0; pass < passes; pass++)
        {
            for (var j = 0; j < efValues.Count; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = (j + pass) % efValues.Count;
                var (recall, ms, c) = queries.Pass(efValues[i]);
                latencies[i][pass] = ms;
                recalls[i] = recall;
                computations[i] = c;
            }
        }
        return efValues.Select((ef, i) => new SweepPoint(ef, recalls[i], Median(latencies[i]), computations[i])).ToList();
    }

    /// <summary>Prepares with <see cref="Prepare"/> and runs with <see cref="Run(SweepQuerySet, IReadOnlyList{int}, int, CancellationToken)"/>.</summary>
    public static IReadOnlyList<SweepPoint> Run(GallerySnapshot snapshot, IReadOnlyList<int> efValues, int queries = 100, int k = 10, int seed = 7, SweepQuerySource source = SweepQuerySource.HeldOutPeople, int passes = DefaultPasses, CancellationToken cancellationToken = default) =>
        Run(Prepare(snapshot, source, queries, k, seed, cancellationToken), efValues, passes, cancellationToken);

    /// <summary>The median of <paramref name="values"/> (mean of the middle two for an even count); 0 when empty.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The Pareto frontier of recall against latency: the points no other point beats on both (as fast or faster and as
    /// good or better, one strictly), ordered by latency. Along it latency and recall both strictly increase, so drawn
    /// in order it is a monotone curve.
    /// </summary>
    public static IReadOnlyList<SweepPoint> ParetoFrontier(IReadOnlyList<SweepPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var frontier = new List<SweepPoint>();
        foreach (var p in points.OrderBy(p => p.MedianLatencyMs).ThenByDescending(p => p.Recall).ThenBy(p => p.EfSearch))
        {
            // sorted by latency, then best recall first: a point joins only when it beats every faster one
            if (frontier.Count == 0 || p.Recall > frontier[^1].Recall)
            {
                frontier.Add(p);
            }
        }
        return frontier;
    }

    /// <summary>The smallest swept efSearch whose recall reaches <paramref name="target"/>, or null.</summary>
    public static int? SmallestReaching(IReadOnlyList<SweepPoint> points, double target) =>
        points.Where(p => p.Recall >= target).OrderBy(p => p.EfSearch).Select(p => (int?)p.EfSearch).FirstOrDefault();

    /// <summary>Estimated index memory in bytes: Count × (dimension × 4 + 2 × M × 4) plus 20 % overhead for upper layers and maps.</summary>
    public static long EstimateMemoryBytes(int count, int m, int dimension) => (long)(count * (dimension * 4.0 + 2 * m * 4) * 1.2);
}
