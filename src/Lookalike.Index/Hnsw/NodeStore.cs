using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>
/// Storage of the HNSW nodes: one fixed-stride record per node, laid out like hnswlib's level-0 block so that a visit
/// reads one memory stream: <c>[vector: VectorBytes, as the space stores it][label: i64][level: i32][flags: i32][lock: i32][count0: i32][links0: M0 × i32]</c>,
/// stride rounded up to 64 bytes (records and vectors start on a cache line).
/// </summary>
/// <remarks>
/// Records live in native segments: segment 0 holds exactly the initial capacity (rounded up to 16), so a store sized
/// for n records (e.g. by <see cref="HnswIndex.Load(string)"/>) takes n records of memory, not the next power of two;
/// segment s ≥ 1 holds <c>base·2^(s−1)</c> with <c>base</c> = the initial capacity rounded up to a power of two. Growth
/// never moves or copies a record: a reader that holds a node id can always read it, even while a writer adds a segment (the
/// segment table has a fixed 32 entries and is written before any id in the new segment is published).
/// Upper-layer links (layers ≥ 1, only ~1/M of the nodes) are per-node pinned <c>int[]</c>s of
/// <c>level·(M + 1)</c> ints: for layer l ≥ 1 at offset <c>(l − 1)·(M + 1)</c>, <c>[count][M ids]</c>.
/// </remarks>
internal sealed unsafe class NodeStore
{
    private const int MaxSegments = 32;
    private readonly nint[] segments = new nint[MaxSegments];
    private readonly long[] segmentBytes = new long[MaxSegments];
    private readonly int[]?[]?[] upper = new int[]?[MaxSegments][];
    private readonly int baseShift;
    private readonly Lock growLock = new();
    private readonly byte* segment0;
    private readonly uint segment0Count;
    private readonly nint stride;
    private int capacity;
    private int segmentCount;

    /// <summary>Creates the store and its first segment of <c>max(16, initialCapacity)</c> records rounded up to a
    /// multiple of 16.</summary>
    /// <param name="vectorBytes">Bytes of one stored vector (<see cref="Spaces.IVectorSpace.VectorBytes"/>); the store
    /// never looks inside it.</param>
    /// <param name="m">M: link slots on layers ≥ 1 (2·M on layer 0).</param>
    /// <param name="initialCapacity">Records of the first segment (rounded up to a power of two, at least 16).</param>
    public NodeStore(int vectorBytes, int m, int initialCapacity)
    {
        VectorBytes = vectorBytes;
        MaxLinks0 = 2 * m;
        MaxLinksUpper = m;
        LabelOffset = (vectorBytes + 7) & ~7;
        LevelOffset = LabelOffset + sizeof(long);
        FlagsOffset = LevelOffset + sizeof(int);
        LockOffset = FlagsOffset + sizeof(int);
        Links0Offset = LockOffset + sizeof(int);
        Stride = StrideFor(vectorBytes, m);
        segment0Count = (uint)FirstSegmentRecords(initialCapacity);
        baseShift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2(segment0Count));
        stride = Stride;
        Grow(0);
        segment0 = (byte*)segments[0];
    }

    ~NodeStore()
    {
        for (var s = 0; s < segmentCount; s++)
        {
            NativeMemory.AlignedFree((void*)segments[s]);
            GC.RemoveMemoryPressure(segmentBytes[s]);
        }
    }

    /// <summary>Bytes of one stored vector.</summary>
    public int VectorBytes { get; }

    /// <summary>M0 = 2·M: link slots on layer 0.</summary>
    public int MaxLinks0 { get; }

    /// <summary>M: link slots on layers ≥ 1.</summary>
    public int MaxLinksUpper { get; }

    /// <summary>Bytes per record (multiple of 64).</summary>
    public int Stride { get; }

    /// <summary>Byte offset of the label (i64) in a record.</summary>
    public int LabelOffset { get; }
    /// <summary>Byte offset of the level (i32).</summary>
    public int LevelOffset { get; }
    /// <summary>Byte offset of the flags (i32; 1 = removed).</summary>
    public int FlagsOffset { get; }
    /// <summary>Byte offset of the spin-lock word (i32).</summary>
    public int LockOffset { get; }
    /// <summary>Byte offset of the layer-0 list: count (i32) then M0 ids.</summary>
    public int Links0Offset { get; }

    /// <summary>Nodes that fit in the allocated segments.</summary>
    public int Capacity => Volatile.Read(ref capacity);

    /// <summary>Bytes of native record memory allocated.</summary>
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

    /// <summary>Address of node <paramref name="id"/>'s record. O(1): one compare and a multiply-add in the first
    /// segment (all nodes when the initial capacity was large enough), else a shift, a leading-zero count and a multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Record(int id) =>
        (uint)id < segment0Count ? segment0 + ((nint)(uint)id * stride) : RecordInLaterSegment(id);

    private byte* RecordInLaterSegment(int id)
    {
        var s = Locate(id, out var off);
        return (byte*)segments[s] + ((nint)off * Stride);
    }

    /// <summary>Records in the first segment of a store created with <paramref name="initialCapacity"/>.</summary>
    public static int FirstSegmentRecords(int initialCapacity) => (Math.Max(16, initialCapacity) + 15) & ~15;

    /// <summary>Record bytes of the first segment of a store with this record layout, without creating it (what a
    /// load will allocate, checked against the file before anything is allocated).</summary>
    public static long FirstSegmentBytes(int vectorBytes, int m, int initialCapacity) =>
        ((Math.Max(16L, initialCapacity) + 15) & ~15L) * StrideFor(vectorBytes, m);

    /// <summary>Bytes per record for a vector of <paramref name="vectorBytes"/> bytes and M = <paramref name="m"/>.</summary>
    public static int StrideFor(int vectorBytes, int m) =>
        (((vectorBytes + 7) & ~7) + sizeof(long) + (3 * sizeof(int)) + (sizeof(int) * (1 + (2 * m))) + 63) & ~63;

    /// <summary>Segment and offset of node <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Locate(int id, out int offset)
    {
        if ((uint)id < segment0Count)
        {
            offset = id;
            return 0;
        }
        var r = (uint)id - segment0Count;
        var t = BitOperations.Log2((r >> baseShift) + 1);
        offset = (int)(r - (((1u << t) - 1) << baseShift));
        return t + 1;
    }

    /// <summary>Address of the node's stored vector (<see cref="VectorBytes"/> bytes at the start of its record,
    /// 64-byte aligned); only the index's space interprets it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Vector(int id) => Record(id);

    /// <summary>The caller's label stored with the node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Label(int id) => *(long*)(Record(id) + LabelOffset);

    /// <summary>The node's top layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Level(int id) => *(int*)(Record(id) + LevelOffset);

    /// <summary>True when the node is removed (or a reused slot is being rewritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsDeleted(int id) => Volatile.Read(ref *(int*)(Record(id) + FlagsOffset)) != 0;

    /// <summary>Sets or clears the removed flag (release write).</summary>
    public void SetDeleted(int id, bool deleted) => Volatile.Write(ref *(int*)(Record(id) + FlagsOffset), deleted ? 1 : 0);

    /// <summary>Link list of <paramref name="id"/> on <paramref name="layer"/>: pointer to <c>[count][ids…]</c>.
    /// The caller knows the node reaches that layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int* Links(int id, int layer)
    {
        if (layer == 0)
        {
            return (int*)(Record(id) + Links0Offset);
        }
        var arr = Upper(id)!;
        return (int*)Unsafe.AsPointer(ref arr[(layer - 1) * (MaxLinksUpper + 1)]);
    }

    /// <summary>The pinned upper-layer link array of a node (null for a level-0 node).</summary>
    public int[]? Upper(int id)
    {
        var s = Locate(id, out var off);
        return upper[s]![off];
    }

    /// <summary>Initialises a fresh record: stored vector (<see cref="VectorBytes"/> bytes), label, level, flags,
    /// empty links, and the upper-layer array.</summary>
    public void Initialise(int id, ReadOnlySpan<byte> vector, long label, int level, bool deleted)
    {
        var r = Record(id);
        vector.CopyTo(new Span<byte>(r, VectorBytes));
        *(long*)(r + LabelOffset) = label;
        *(int*)(r + LevelOffset) = level;
        *(int*)(r + LockOffset) = 0;
        *(int*)(r + Links0Offset) = 0;
        *(int*)(r + FlagsOffset) = deleted ? 1 : 0;
        var s = Locate(id, out var off);
        upper[s]![off] = level > 0 ? GC.AllocateArray<int>(level * (MaxLinksUpper + 1), pinned: true) : null;
    }

    /// <summary>Overwrites the vector and label of a reused slot (its level and links stay).</summary>
    public void Rewrite(int id, ReadOnlySpan<byte> vector, long label)
    {
        var r = Record(id);
        vector.CopyTo(new Span<byte>(r, VectorBytes));
        *(long*)(r + LabelOffset) = label;
    }

    /// <summary>Takes the node's spin lock (guards writes of its link lists; readers never lock).</summary>
    public void Enter(int id)
    {
        ref var word = ref *(int*)(Record(id) + LockOffset);
        if (Interlocked.CompareExchange(ref word, 1, 0) == 0)
        {
            return;
        }
        var spin = default(SpinWait);
        while (Volatile.Read(ref word) != 0 || Interlocked.CompareExchange(ref word, 1, 0) != 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Releases the node's spin lock.</summary>
    public void Exit(int id) => Volatile.Write(ref *(int*)(Record(id) + LockOffset), 0);

    /// <summary>Makes sure node <paramref name="id"/> has storage, adding doubling segments as needed. Thread-safe.</summary>
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
                var nodes = (int)next;
                var bytes = (long)nodes * Stride;
                var p = NativeBlocks.AllocateZeroed(bytes);
                GC.AddMemoryPressure(bytes);
                segmentBytes[s] = bytes;
                upper[s] = new int[]?[nodes];
                Volatile.Write(ref segments[s], (nint)p);
                segmentCount = s + 1;
                Volatile.Write(ref capacity, capacity + nodes);
            }
        }
    }
}
