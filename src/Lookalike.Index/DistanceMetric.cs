namespace Lookalike.Index;

/// <summary>Distance function of an index, fixed at construction (smaller is closer for every metric).</summary>
public enum DistanceMetric
{
    /// <summary>Squared Euclidean distance, Σ(aᵢ − bᵢ)², in [0, ∞). Vectors are stored as given.</summary>
    SquaredL2,

    /// <summary>Cosine distance 1 − a·b of vectors normalised to unit length on insert (and queries on search), in [0, 2].
    /// A zero vector has no direction and is rejected.</summary>
    Cosine,

    /// <summary>Inner-product distance 1 − a·b of vectors stored as given (not normalised); may be negative.</summary>
    InnerProduct,
}
