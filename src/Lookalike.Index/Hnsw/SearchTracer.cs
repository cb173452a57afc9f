using System.Runtime.CompilerServices;

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

/// <summary>The tracer of the normal path: does nothing, inlined away.</summary>
internal struct NoTracer : ISearchTracer
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Distance(int layer, int id) { }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Hop(int layer, int id) { }
}

/// <summary>Records every event in order, for building <see cref="LayerTrace"/>s.</summary>
internal readonly struct RecordingTracer : ISearchTracer
{
    public RecordingTracer() { }

    /// <summary>(layer, node id, true for a hop / false for a distance computation), in order.</summary>
    public List<(int Layer, int Id, bool IsHop)> Events { get; } = [];

    public void Distance(int layer, int id) => Events.Add((layer, id, false));

    public void Hop(int layer, int id) => Events.Add((layer, id, true));
}

/// <summary>A tiny shared/exclusive gate: mutations enter shared (they already synchronise among themselves with
/// node locks), <see cref="HnswIndex.Save(string)"/> enters exclusive to see a quiescent graph. Not reentrant.</summary>
internal sealed class MutationGate
{
    private readonly Lock exclusiveLock = new();
    private int shared;
    private int exclusive;

    public void EnterShared()
    {
        var spin = default(SpinWait);
        while (true)
        {
            if (Volatile.Read(ref exclusive) == 0)
            {
                Interlocked.Increment(ref shared);
                if (Volatile.Read(ref exclusive) == 0)
                {
                    return;
                }
                Interlocked.Decrement(ref shared);
            }
            spin.SpinOnce();
        }
    }

    public void ExitShared() => Interlocked.Decrement(ref shared);

    public void EnterExclusive()
    {
        exclusiveLock.Enter();
        Interlocked.Exchange(ref exclusive, 1);
        var spin = default(SpinWait);
        while (Volatile.Read(ref shared) != 0)
        {
            spin.SpinOnce();
        }
    }

    public void ExitExclusive()
    {
        Volatile.Write(ref exclusive, 0);
        exclusiveLock.Exit();
    }
}
