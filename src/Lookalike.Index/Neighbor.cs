namespace Lookalike.Index;

/// <summary>One search result: the caller's label and its distance to the query.</summary>
/// <param name="Label">The label the vector was added with.</param>
/// <param name="Distance">Distance to the query in the units of the index's <see cref="DistanceMetric"/>
/// (squared L2, or 1 − dot for cosine / inner product).</param>
public readonly record struct Neighbor(long Label, float Distance);
