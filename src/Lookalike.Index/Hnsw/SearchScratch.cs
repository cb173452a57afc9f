using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>
/// Per-thread search state, reused across searches so that a query allocates nothing: an epoch-tagged visited set
/// (<c>ushort</c> tags, cleared by bumping the epoch, a full clear only every 65,535 searches, as hnswlib's
/// <c>VisitedListPool</c>), the candidate min-heap, the result max-heap, a query buffer and neighbour-selection buffers.
/// Arrays are pinned (allocated on the pinned object heap) and only grow.
/// </summary>
internal sealed unsafe class SearchScratch
{
    [ThreadStatic]
    private static SearchScratch? cached;

    private ushort[] tags = [];
    private ushort epoch;
    private bool inUse;

    /// <summary>Visited tags, one per node id (pinned); a node is visited when its tag equals the current epoch.</summary>
    public ushort* Tags;

    /// <summary>Length of <see cref="Tags"/>; ids at or above it (nodes added after the search started) are skipped.</summary>
    public int TagCount;

    /// <summary>Candidates to expand, nearest on top.</summary>
    public readonly MinHeap Candidates = new();

    /// <summary>Best accepted results so far, farthest on top (size ≤ ef).</summary>
    public readonly MaxHeap Results = new();

    /// <summary>Working lists for the selection heuristic (Algorithm 4).</summary>
    /// <summary>Candidates in ascending distance (input of the heuristic).</summary>
    public Candidate[] Work = GC.AllocateArray<Candidate>(64, pinned: true);
    /// <summary>Candidates the heuristic kept.</summary>
    public Candidate[] Kept = GC.AllocateArray<Candidate>(64, pinned: true);

    private readonly int[] pendingArray = GC.AllocateArray<int>(513, pinned: true);

    /// <summary>Creates the scratch of one thread.</summary>
    public SearchScratch() => Pending = (int*)Unsafe.AsPointer(ref pendingArray[0]);

    /// <summary>Unvisited neighbours of the node being expanded (room for M0 ≤ 512 ids; pinned).</summary>
    public int* Pending { get; }

    private byte[] queryArray = [];

    /// <summary>The query as the index's space prepares it (e.g. normalised under cosine), or a vector being inserted:
    /// <see cref="QueryCapacity"/> bytes, 64-byte aligned (a cache line: the kernels' 512-bit loads of the query never
    /// straddle two lines), inside a pinned array.</summary>
    public byte* QueryPointer { get; private set; }

    /// <summary>Bytes available at <see cref="QueryPointer"/>.</summary>
    public int QueryCapacity { get; private set; }

    /// <summary><paramref name="length"/> bytes of the query buffer from <paramref name="offset"/>.</summary>
    public Span<byte> QuerySpan(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)offset + length, QueryCapacity);
        return new Span<byte>(QueryPointer + offset, length);
    }

    /// <summary>Search counters of the current search.</summary>
    public int DistanceCount;

    /// <summary>Neighbour-list expansions of the current search.</summary>
    public int HopCount;

    /// <summary>Nodes marked visited on layer 0 of the current search.</summary>
    public int VisitCount;

    /// <summary>Takes this thread's scratch (a fresh one if it is already in use further up the stack, e.g. a filter
    /// that searches), sized for <paramref name="nodes"/> node ids and a query of <paramref name="vectorBytes"/> bytes.</summary>
    public static SearchScratch Rent(int nodes, int vectorBytes)
    {
        var s = cached;
        if (s is null || s.inUse)
        {
            s = new SearchScratch();
            cached ??= s;
        }
        s.inUse = true;
        s.Prepare(nodes, vectorBytes);
        return s;
    }

    /// <summary>Gives the scratch back to its thread.</summary>
    public void Return() => inUse = false;

    /// <summary>Starts a new visited epoch. O(1) except every 65,535th call (O(nodes)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort NextEpoch()
    {
        epoch++;
        if (epoch == 0)
        {
            Array.Clear(tags);
            epoch = 1;
        }
        return epoch;
    }

    /// <summary>Grows <see cref="Work"/> and <see cref="Kept"/> to hold at least <paramref name="n"/> items.</summary>
    public void EnsureWork(int n)
    {
        if (Work.Length < n)
        {
            Work = GC.AllocateArray<Candidate>(n * 2, pinned: true);
            Kept = GC.AllocateArray<Candidate>(n * 2, pinned: true);
        }
    }

    private void Prepare(int nodes, int vectorBytes)
    {
        if (tags.Length < nodes)
        {
            tags = GC.AllocateArray<ushort>(Math.Max(nodes, tags.Length * 2), pinned: true);
            Tags = (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(tags));
            TagCount = tags.Length;
            epoch = 0;
        }
        if (QueryPointer is null || QueryCapacity < vectorBytes)
        {
            queryArray = GC.AllocateArray<byte>(vectorBytes + 64, pinned: true);
            var start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(queryArray));
            QueryPointer = (byte*)((start + 63) & ~(nuint)63);
            QueryCapacity = vectorBytes;
        }
    }
}
