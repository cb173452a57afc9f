// CONTRACT SKELETON — the public surface the gallery and web layers code against.
// The index helper replaces every body below with the real implementation (and may split this file);
// signatures may only grow, not change, without telling the other teams.
namespace Lookalike.Index;

/// <summary>Distance function of an index, fixed at construction.</summary>
public enum DistanceMetric
{
    /// <summary>Squared Euclidean distance, Σ(aᵢ − bᵢ)², in [0, ∞).</summary>
    SquaredL2,
    /// <summary>Cosine distance 1 − a·b of vectors normalised on insert, in [0, 2].</summary>
    Cosine,
    /// <summary>Inner-product distance 1 − a·b of vectors stored as given (not normalised).</summary>
    InnerProduct,
}

/// <summary>One search result: the caller's label and its distance to the query (units of the index's metric).</summary>
public readonly record struct Neighbor(long Label, float Distance);

/// <summary>Counters of one search (distance computations, hops), for the UI's timing strip and the tuning page.</summary>
public readonly record struct SearchStats(int DistanceComputations, int Hops, int VisitedNodes);

/// <summary>A k-nearest-neighbour index over fixed-dimension float vectors, identified by caller-chosen labels.</summary>
public interface IVectorIndex
{
    int Dimension { get; }
    DistanceMetric Metric { get; }
    int Count { get; }
    void Add(long label, ReadOnlySpan<float> vector);
    bool Remove(long label);
    bool Contains(long label);
    /// <summary>k nearest live vectors, sorted by distance then label. efSearch ≤ 0 means the index default; efSearch &lt; k is raised to k.</summary>
    IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null);
}

/// <summary>Construction parameters of an <see cref="HnswIndex"/>.</summary>
public sealed record HnswOptions
{
    public required int Dimension { get; init; }
    public DistanceMetric Metric { get; init; } = DistanceMetric.Cosine;
    public int M { get; init; } = 16;
    public int EfConstruction { get; init; } = 200;
    public int DefaultEfSearch { get; init; } = 64;
    public int Seed { get; init; } = 42;
    public int InitialCapacity { get; init; } = 1024;
}

/// <summary>What one layer of a traced search did.</summary>
public sealed record LayerTrace(int Layer, IReadOnlyList<long> Visited, IReadOnlyList<long> Path, int Hops, int DistanceComputations);

/// <summary>A search with its walk through the graph, layer by layer from the top to layer 0.</summary>
public sealed record SearchTrace(IReadOnlyList<Neighbor> Results, IReadOnlyList<LayerTrace> Layers, long? EntryPoint, int DistanceComputations);

/// <summary>An index file that failed a check on load; <see cref="Check"/> names it.</summary>
public sealed class IndexFormatException : Exception
{
    public IndexFormatException() { }
    public IndexFormatException(string message) : base(message) { }
    public IndexFormatException(string message, Exception inner) : base(message, inner) { }
    public IndexFormatException(string check, string message) : base(message) => Check = check;
    public string Check { get; } = "";
}

public sealed class HnswIndex : IVectorIndex
{
    public HnswIndex(HnswOptions options) => Options = options;
    public HnswOptions Options { get; }
    public int Dimension => Options.Dimension;
    public DistanceMetric Metric => Options.Metric;
    public int Count => throw new NotImplementedException();
    public void Add(long label, ReadOnlySpan<float> vector) => throw new NotImplementedException();
    /// <summary>Adds n vectors in parallel; <paramref name="vectors"/> is row-major [n, Dimension].</summary>
    public void AddRange(IReadOnlyList<long> labels, ReadOnlyMemory<float> vectors, int maxDegreeOfParallelism = -1, IProgress<int>? progress = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public bool Remove(long label) => throw new NotImplementedException();
    public bool Contains(long label) => throw new NotImplementedException();
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null) => throw new NotImplementedException();
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch, Func<long, bool>? filter, out SearchStats stats) => throw new NotImplementedException();
    public SearchTrace SearchWithTrace(ReadOnlySpan<float> query, int k, int efSearch = 0) => throw new NotImplementedException();
    /// <summary>Node count per layer, index 0 = layer 0.</summary>
    public IReadOnlyList<int> GetLayerCounts() => throw new NotImplementedException();
    public long? EntryPoint => throw new NotImplementedException();
    public int GetLevel(long label) => throw new NotImplementedException();
    public IReadOnlyList<long> GetNeighbors(long label, int layer) => throw new NotImplementedException();
    /// <summary>Copies the stored (normalised, for cosine) vector of a label; false when absent.</summary>
    public bool TryGetVector(long label, Span<float> destination) => throw new NotImplementedException();
    /// <summary>Labels of all live elements.</summary>
    public IReadOnlyList<long> GetLabels() => throw new NotImplementedException();
    /// <summary>Bytes held by vectors, links and label maps.</summary>
    public long MemoryBytes => throw new NotImplementedException();
    public void Save(string path) => throw new NotImplementedException();
    public static HnswIndex Load(string path) => throw new NotImplementedException();
}

/// <summary>Exact search by linear scan: ground truth and tiny galleries.</summary>
public sealed class FlatIndex : IVectorIndex
{
    public FlatIndex(int dimension, DistanceMetric metric) { Dimension = dimension; Metric = metric; }
    public int Dimension { get; }
    public DistanceMetric Metric { get; }
    public int Count => throw new NotImplementedException();
    public void Add(long label, ReadOnlySpan<float> vector) => throw new NotImplementedException();
    public bool Remove(long label) => throw new NotImplementedException();
    public bool Contains(long label) => throw new NotImplementedException();
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null) => throw new NotImplementedException();
}
