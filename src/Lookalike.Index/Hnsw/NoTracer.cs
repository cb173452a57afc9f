using System.Runtime.CompilerServices;

namespace Lookalike.Index.Hnsw;

/// <summary>The tracer of the normal path: does nothing, inlined away.</summary>
internal struct NoTracer : ISearchTracer
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Distance(int layer, int id) { }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Hop(int layer, int id) { }
}
