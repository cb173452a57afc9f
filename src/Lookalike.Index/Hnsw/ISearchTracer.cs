namespace Lookalike.Index.Hnsw;

/// <summary>Hook of the search loop for <see cref="HnswIndex.SearchWithTrace"/>. The loop is generic over a struct
/// implementing it, so the untraced path is compiled with the empty <see cref="NoTracer"/> and costs nothing.</summary>
internal interface ISearchTracer
{
    /// <summary>A distance to node <paramref name="id"/> was computed on <paramref name="layer"/>.</summary>
    void Distance(int layer, int id);

    /// <summary>The neighbour list of node <paramref name="id"/> on <paramref name="layer"/> is being expanded.</summary>
    void Hop(int layer, int id);
}
