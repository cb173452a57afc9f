namespace Lookalike.Index;

/// <summary>Counters of one search, for the UI's timing strip and the tuning page (FAISS <c>HNSWStats</c> style).</summary>
/// <param name="DistanceComputations">Distance evaluations between the query and stored vectors, all layers.</param>
/// <param name="Hops">Nodes whose neighbour lists were expanded (greedy moves on upper layers plus candidates popped on layer 0).</param>
/// <param name="VisitedNodes">Distinct nodes marked visited on layer 0 (the upper layers' greedy walks are not counted here).</param>
public readonly record struct SearchStats(int DistanceComputations, int Hops, int VisitedNodes);
