using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>
/// The exact float32 vectors of a quantised index (<see cref="Quantization.Int8"/>), kept apart from the node records
/// so that the graph walk reads only the small codes (FAISS keeps an <c>IndexRefineFlat</c>'s vectors apart from its
/// coarse codes the same way). Read once per final candidate, when a search re-ranks its ef results.
/// </summary>
/// <remarks>Same growth scheme as <see cref="NodeStore"/> (segment 0 holds exactly the initial capacity rounded up to 16,
/// segment s ≥ 1 holds <c>base·2^(s−1)</c>): segments are added, never moved, so a search can read vector i while a
/// writer grows the store. Each vector is <c>VectorBytes</c> bytes (as the exact space stores it), rows 64-byte aligned.</remarks>
internal sealed unsafe class ExactVectorStore
{
    private const int MaxSegments = 32;
    private readonly nint[] segments = new nint[MaxSegments];
    private readonly long[] segmentBytes = new long[MaxSegments];
    private readonly Lock growLock = new();
    private readonly int baseShift;
    private readonly uint segment0Count;
    private readonly byte* segment0;
    private readonly nint stride;
    private int capacity;
    private int segmentCount;

    /// <summary>Creates the store and its first segment (as <see cref="NodeStore"/>'s for the same capacity).</summary>
    /// <param name="vectorBytes">Bytes of one exact vector (4·Dimension).</param>
    /// <param name="initialCapacity">Vectors of the first segment (at least 16, rounded up to a multiple of 16).</param>
    public ExactVectorStore(int vectorBytes, int initialCapacity)
    {
        VectorBytes = vectorBytes;
        stride = (vectorBytes + 63) & ~63;
        segment0Count = (uint)NodeStore.FirstSegmentRecords(initialCapacity);
        baseShift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2(segment0Count));
        Grow(0);
        segment0 = (byte*)segments[0];
    }

    ~ExactVectorStore()
    {
        for (var s = 0; s < segmentCount; s++)
        {
            NativeMemory.AlignedFree((void*)segments[s]);
            GC.RemoveMemoryPressure(segmentBytes[s]);
        }
    }

    /// <summary>Bytes of one exact vector.</summary>
    public int VectorBytes { get; }

    /// <summary>Bytes of one row in memory: <see cref="VectorBytes"/> rounded up to 64.</summary>
    public static int RowBytes(int vectorBytes) => (vectorBytes + 63) & ~63;

    /// <summary>Bytes of native memory allocated.</summary>
    public long AllocatedBytes
    {
        get
        {
            long b = 0;
            for (var s = 0; s < Volatile.Read(ref segmentCount); s++)
            {
                b += segmentBytes[s];
            }
            return b;
        }
    }

    /// <summary>Address of vector <paramref name="id"/> (<see cref="VectorBytes"/> bytes, 64-byte aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Vector(int id)
    {
        if ((uint)id < segment0Count)
        {
            return segment0 + ((nint)(uint)id * stride);
        }
        var r = (uint)id - segment0Count;
        var t = BitOperations.Log2((r >> baseShift) + 1);
        var offset = (int)(r - (((1u << t) - 1) << baseShift));
        return (byte*)segments[t + 1] + ((nint)offset * stride);
    }

    /// <summary>Copies <paramref name="vector"/> (<see cref="VectorBytes"/> bytes) into slot <paramref name="id"/>.</summary>
    public void Write(int id, ReadOnlySpan<byte> vector) => vector[..VectorBytes].CopyTo(new Span<byte>(Vector(id), VectorBytes));

    /// <summary>Makes sure vector <paramref name="id"/> has storage, adding doubling segments as needed. Thread-safe.</summary>
    /// <exception cref="InvalidOperationException">More than 2³¹ − 1 vectors.</exception>
    public void EnsureCapacity(int id)
    {
        if (id < Volatile.Read(ref capacity))
        {
            return;
        }
        Grow(id);
    }

    private void Grow(int id)
    {
        lock (growLock)
        {
            while (id >= capacity || segmentCount == 0)
            {
                var s = segmentCount;
                var next = s == 0 ? segment0Count : 1L << (baseShift + s - 1);
                if (s >= MaxSegments - 1 || capacity + next > int.MaxValue)
                {
                    throw new InvalidOperationException("the index cannot hold more than 2^31 − 1 nodes");
                }
                var bytes = next * stride;
                var p = NativeMemory.AlignedAlloc((nuint)bytes, 64);
                NativeMemory.Clear(p, (nuint)bytes);
                GC.AddMemoryPressure(bytes);
                segmentBytes[s] = bytes;
                Volatile.Write(ref segments[s], (nint)p);
                segmentCount = s + 1;
                Volatile.Write(ref capacity, capacity + (int)next);
            }
        }
    }
}
