namespace Lookalike.Index;

/// <summary>A search with its walk through the graph, layer by layer from the top to layer 0.</summary>
/// <param name="Results">The same results a plain search returns.</param>
/// <param name="Layers">One entry per layer walked, top layer first, layer 0 last (empty for an empty index).</param>
/// <param name="EntryPoint">Label of the entry point the walk started from; null for an empty index.</param>
/// <param name="DistanceComputations">Total distance evaluations over all layers.</param>
public sealed record SearchTrace(IReadOnlyList<Neighbor> Results, IReadOnlyList<LayerTrace> Layers, long? EntryPoint, int DistanceComputations);
