namespace Lookalike.Index;

/// <summary>A k-nearest-neighbour index over fixed-dimension float vectors, identified by caller-chosen labels.
/// Implemented by <see cref="HnswIndex"/> (approximate, sub-linear) and <see cref="FlatIndex"/> (exact linear scan).</summary>
public interface IVectorIndex
{
    /// <summary>Length of every stored and query vector.</summary>
    int Dimension { get; }

    /// <summary>The distance function, fixed at construction.</summary>
    DistanceMetric Metric { get; }

    /// <summary>Number of live (added and not removed) vectors.</summary>
    int Count { get; }

    /// <summary>Adds a vector of length <see cref="Dimension"/> under <paramref name="label"/>; an existing label is replaced.</summary>
    /// <exception cref="ArgumentException">Wrong length, a NaN/infinite component, or a zero vector under <see cref="DistanceMetric.Cosine"/>.</exception>
    void Add(long label, ReadOnlySpan<float> vector);

    /// <summary>Removes a label; it is excluded from results from the moment this returns. False when absent.</summary>
    bool Remove(long label);

    /// <summary>True when <paramref name="label"/> is live in the index.</summary>
    bool Contains(long label);

    /// <summary>k nearest live vectors, sorted by distance then label. efSearch ≤ 0 means the index default; efSearch &lt; k is raised to k.
    /// Returns min(k, live count) results when no filter is given (fewer only when the filter rejects the rest).</summary>
    /// <param name="query">Query vector of length <see cref="Dimension"/>.</param>
    /// <param name="k">Number of neighbours wanted, ≥ 1.</param>
    /// <param name="efSearch">Size of the dynamic candidate list (ignored by exact indexes).</param>
    /// <param name="filter">Optional predicate on labels; only labels it accepts are returned.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0.</exception>
    /// <exception cref="ArgumentException">Wrong query length or a non-finite component.</exception>
    IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null);
}
