using System.Globalization;
using Lookalike.Gallery.Index;
using Lookalike.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>What a step of a traced search did.</summary>
public enum WalkStepKind
{
    /// <summary>The search starts at the entry point on the top layer.</summary>
    Entry,

    /// <summary>An upper layer's greedy walk starts from the node the layer above ended on.</summary>
    Descend,

    /// <summary>A greedy hop on an upper layer: moved to a closer neighbour.</summary>
    Hop,

    /// <summary>Layer 0: the closest unexpanded candidate is expanded (its neighbours' distances are computed).</summary>
    Candidate,

    /// <summary>The search stopped; the top k are the result.</summary>
    Done,
}

/// <summary>One step of a traced search, for the explorer's Step / Play.</summary>
/// <param name="Layer">Layer the step happens on.</param>
/// <param name="Face">The node the step is at (the expanded node; for <see cref="WalkStepKind.Done"/> the best result).</param>
/// <param name="Kind">What happened.</param>
/// <param name="Number">Hop number on the layer (0 where the layer's walk starts), or candidate number on layer 0 (1 = first).</param>
/// <param name="Distance">Distance from the query (your photo) to <paramref name="Face"/>.</param>
/// <param name="From">The node this one was reached from on this layer (previous greedy node, or the layer-0 candidate
/// whose neighbour list held it); null where the layer's walk starts.</param>
/// <param name="Computed">Faces whose distance to the query this step computed, in order (a greedy expansion scans
/// every neighbour; a layer-0 expansion only the ones not visited before).</param>
/// <param name="Narration">One sentence saying what the step did.</param>
public sealed record WalkStep(int Layer, long Face, WalkStepKind Kind, int Number, float Distance, long? From, IReadOnlyList<long> Computed, string Narration);

/// <summary>A layer's counters, each meaning one thing.</summary>
/// <param name="Layer">Layer number.</param>
/// <param name="Hops">Upper layers: greedy moves to a closer neighbour. Layer 0: candidates expanded.</param>
/// <param name="NodesVisited">Distinct faces whose distance to the query was computed on this layer.</param>
/// <param name="DistanceComputations">Distance evaluations on this layer (a greedy walk evaluates a face again when a
/// later hop meets it again, so this can exceed <paramref name="NodesVisited"/>).</param>
public sealed record WalkLayer(int Layer, int Hops, int NodesVisited, int DistanceComputations);

/// <summary>
/// A traced HNSW search told step by step: the entry point, each upper layer's greedy hops, the layer-0 candidate
/// expansions and the final top k, each with the distance to the query and a sentence. Built from a
/// <see cref="SearchTrace"/> and the gallery it ran on.
/// </summary>
public sealed class SearchWalk
{
    private SearchWalk(SearchTrace trace, IReadOnlyList<WalkStep> steps, IReadOnlyList<WalkLayer> layers, IReadOnlyDictionary<long, float> distances, int efSearch, int k)
    {
        Trace = trace;
        Steps = steps;
        Layers = layers;
        Distances = distances;
        EfSearch = efSearch;
        K = k;
    }

    /// <summary>The trace this walk tells.</summary>
    public SearchTrace Trace { get; }

    /// <summary>The steps in order; the last is <see cref="WalkStepKind.Done"/> (empty for an empty gallery).</summary>
    public IReadOnlyList<WalkStep> Steps { get; }

    /// <summary>Per-layer counters, top layer first.</summary>
    public IReadOnlyList<WalkLayer> Layers { get; }

    /// <summary>Distance from the query to every face the search touched.</summary>
    public IReadOnlyDictionary<long, float> Distances { get; }

    /// <summary>The efSearch in force (the size of layer 0's result list; raised to k when below it).</summary>
    public int EfSearch { get; }

    /// <summary>Number of results asked for.</summary>
    public int K { get; }

    /// <summary>Face ids of the results, best first.</summary>
    public IReadOnlyList<long> Results => Trace.Results.Select(r => r.Label).ToList();

    /// <summary>Traces a search for <paramref name="descriptor"/> and tells it.</summary>
    /// <param name="snapshot">The gallery.</param>
    /// <param name="descriptor">The query (your photo's descriptor).</param>
    /// <param name="k">Results asked for.</param>
    /// <param name="efSearch">efSearch; 0 or less takes the gallery's default.</param>
    /// <exception cref="ArgumentException">The descriptor does not have the gallery's dimension or is zero.</exception>
    public static SearchWalk Run(GallerySnapshot snapshot, ReadOnlySpan<float> descriptor, int k, int efSearch)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var ef = Math.Max(efSearch <= 0 ? snapshot.Parameters.DefaultEfSearch : efSearch, k);
        var trace = snapshot.SearchWithTrace(descriptor, k, ef);
        return Tell(snapshot, trace, descriptor, k, ef);
    }

    /// <summary>Tells <paramref name="trace"/> (a search for <paramref name="descriptor"/> on <paramref name="snapshot"/>).</summary>
    internal static SearchWalk Tell(GallerySnapshot snapshot, SearchTrace trace, ReadOnlySpan<float> descriptor, int k, int ef)
    {
        var distances = new Dictionary<long, float>();
        foreach (var r in trace.Results)
        {
            distances[r.Label] = r.Distance;
        }
        foreach (var layer in trace.Layers)
        {
            foreach (var face in layer.Visited.Concat(layer.Path))
            {
                if (face >= 0 && !distances.ContainsKey(face) && snapshot.DistanceTo(descriptor, face) is { } d)
                {
                    distances[face] = d;
                }
            }
        }

        var steps = new List<WalkStep>();
        var summaries = new List<WalkLayer>();
        var top = trace.Layers.Count == 0 ? 0 : trace.Layers[0].Layer;
        foreach (var layer in trace.Layers)
        {
            if (layer.Layer > 0)
            {
                TellGreedy(snapshot, layer, top, distances, steps);
            }
            else
            {
                TellCandidates(snapshot, layer, top, ef, distances, steps);
            }
            summaries.Add(new WalkLayer(layer.Layer, layer.Layer > 0 ? Math.Max(0, layer.Path.Count - 1) : layer.Path.Count,
                layer.Visited.Where(v => v >= 0).Distinct().Count(), layer.DistanceComputations));
        }
        if (trace.Results.Count > 0)
        {
            var best = trace.Results[0];
            var names = string.Join(", ", trace.Results.Take(3).Select(r => F($"{Name(snapshot, r.Label)} {r.Distance:0.00}")));
            steps.Add(new WalkStep(0, best.Label, WalkStepKind.Done, 0, best.Distance, null, [],
                F($"done: no candidate left is closer than the farthest of the efSearch = {ef} kept, so the search stops after {trace.DistanceComputations} distance computations; the top {trace.Results.Count} are highlighted ({names}{(trace.Results.Count > 3 ? ", …" : "")})")));
        }
        return new SearchWalk(trace, steps, summaries, distances, ef, k);
    }

    private static void TellGreedy(GallerySnapshot snapshot, LayerTrace layer, int top, Dictionary<long, float> distances, List<WalkStep> steps)
    {
        var l = layer.Layer;
        for (var i = 0; i < layer.Path.Count; i++)
        {
            var face = layer.Path[i];
            var d = D(distances, face);
            var neighbours = Neighbours(snapshot, face, l);
            string text;
            WalkStepKind kind;
            if (i == 0)
            {
                kind = l == top ? WalkStepKind.Entry : WalkStepKind.Descend;
                text = l == top
                    ? F($"layer {l}: start at the entry point, {Name(snapshot, face)} ({d:0.00} from your photo)")
                    : F($"layer {l}: go on from {Name(snapshot, face)} ({d:0.00}), the closest node found on layer {l + 1}");
            }
            else
            {
                kind = WalkStepKind.Hop;
                var before = D(distances, layer.Path[i - 1]);
                text = F($"layer {l}: hop {i} — moved to {Name(snapshot, face)}, {before - d:0.00} closer ({d:0.00} from your photo)");
            }
            if (i == layer.Path.Count - 1)
            {
                text += F($"; none of its {neighbours.Count} neighbours is closer, so the search goes down to layer {l - 1}");
            }
            steps.Add(new WalkStep(l, face, kind, i, d, i == 0 ? null : layer.Path[i - 1], neighbours, text));
        }
    }

    private static void TellCandidates(GallerySnapshot snapshot, LayerTrace layer, int top, int ef, Dictionary<long, float> distances, List<WalkStep> steps)
    {
        // The trace lists layer 0's distance computations and expansions apart; which expansion computed which distance
        // is rebuilt by replaying the visited set: an expansion computes the neighbours not seen before, in list order.
        var visited = layer.Visited.Where(v => v >= 0).ToHashSet();
        var seen = new HashSet<long>();
        var foundBy = new Dictionary<long, long>();
        var bestFace = -1L;
        var bestD = float.MaxValue;
        void See(long face)
        {
            if (seen.Add(face) && distances.TryGetValue(face, out var fd) && (fd < bestD || (fd == bestD && face < bestFace)))
            {
                (bestFace, bestD) = (face, fd);
            }
        }
        if (layer.Path.Count > 0)
        {
            See(layer.Path[0]);
        }
        for (var j = 0; j < layer.Path.Count; j++)
        {
            var face = layer.Path[j];
            var d = D(distances, face);
            var computed = new List<long>();
            foreach (var n in Neighbours(snapshot, face, 0))
            {
                if (!seen.Contains(n) && visited.Contains(n))
                {
                    computed.Add(n);
                    foundBy.TryAdd(n, face);
                    See(n);
                }
            }
            var start = j == 0
                ? top == 0
                    ? F($"layer 0: start at the entry point, {Name(snapshot, face)} ({d:0.00}), and search with efSearch = {ef} candidates")
                    : F($"layer 0: search with efSearch = {ef} candidates from {Name(snapshot, face)} ({d:0.00}), the closest node found on layer 1")
                : F($"layer 0: candidate {j + 1} of {layer.Path.Count} — expanded {Name(snapshot, face)} ({d:0.00})");
            var text = F($"{start}: {computed.Count} new distance computations, best so far {Name(snapshot, bestFace)} at {bestD:0.00}");
            steps.Add(new WalkStep(0, face, j == 0 && top == 0 ? WalkStepKind.Entry : WalkStepKind.Candidate, j + 1, d,
                foundBy.TryGetValue(face, out var from) ? from : null, computed, text));
        }
    }

    private static IReadOnlyList<long> Neighbours(GallerySnapshot snapshot, long face, int layer)
    {
        try
        {
            return snapshot.GetNeighbors(face, layer).Distinct().ToList();
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentOutOfRangeException)
        {
            return []; // removed since the search, or relinked
        }
    }

    private static float D(Dictionary<long, float> distances, long face) => distances.TryGetValue(face, out var d) ? d : float.NaN;

    private static string Name(GallerySnapshot snapshot, long face) => snapshot.Faces.TryGetValue(face, out var f) ? f.Person : "a removed face";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
