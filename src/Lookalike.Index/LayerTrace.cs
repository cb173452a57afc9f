namespace Lookalike.Index;

/// <summary>What one layer of a traced search did.</summary>
/// <param name="Layer">Layer number, 0 = the bottom layer holding every node.</param>
/// <param name="Visited">Labels whose distance to the query was computed on this layer, in evaluation order
/// (a removed node is reported as −1, since it has no live label).</param>
/// <param name="Path">Labels of the nodes whose neighbour lists were expanded, in order (the greedy path on upper layers,
/// the popped candidates on layer 0).</param>
/// <param name="Hops">Number of expansions (= <c>Path.Count</c>).</param>
/// <param name="DistanceComputations">Distance evaluations on this layer.</param>
public sealed record LayerTrace(int Layer, IReadOnlyList<long> Visited, IReadOnlyList<long> Path, int Hops, int DistanceComputations);
