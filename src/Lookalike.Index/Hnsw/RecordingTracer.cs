namespace Lookalike.Index.Hnsw;

/// <summary>Records every event in order, for building <see cref="LayerTrace"/>s.</summary>
internal readonly struct RecordingTracer : ISearchTracer
{
    public RecordingTracer() { }

    /// <summary>(layer, node id, true for a hop / false for a distance computation), in order.</summary>
    public List<(int Layer, int Id, bool IsHop)> Events { get; } = [];

    public void Distance(int layer, int id) => Events.Add((layer, id, false));

    public void Hop(int layer, int id) => Events.Add((layer, id, true));
}
