using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>
/// The exact float32 vectors of a quantised index (<see cref="Quantization.Int8"/>), kept apart from the node records
/// so that the graph walk reads only the small codes (FAISS keeps an <c>IndexRefineFlat</c>'s vectors apart from its
/// coarse codes the same way). Read once per final candidate, when a search re-ranks its ef results.
/// </summary>
/// <remarks>
/// <para>Same growth scheme as <see cref="NodeStore"/> (segment 0 holds exactly the initial capacity rounded up to 16,
/// segment s ≥ 1 holds <c>base·2^(s−1)</c>): segments are added, never moved, so a search can read vector i while a
/// writer grows the store. Each vector is <c>VectorBytes</c> bytes (as the exact space stores it), rows
/// <see cref="RowBytes"/> apart (64-byte multiples).</para>
/// <para>Where a segment lives (<see cref="ExactVectorPlacement"/>): native memory (the resident heap,
/// <see cref="ResidentBytes"/>); a shared read-write mapping of a companion file the caller names
/// (<see cref="HnswOptions.ExactVectorFile"/>, one region per segment, grown with the file); or, for segment 0 of a
/// loaded index, a private copy-on-write mapping of the index file's exact-vector section, so that only the pages of
/// the vectors a search re-ranks are read in, and a reused slot's rewrite stays in the process (the file is never
/// written). Mapped segments count in <see cref="MappedBytes"/>, not in <see cref="ResidentBytes"/>: the OS pages them
/// in on demand and may drop them again under memory pressure.</para>
/// </remarks>
internal sealed unsafe class ExactVectorStore
{
    private const int MaxSegments = 32;
    private readonly nint[] segments = new nint[MaxSegments];
    private readonly long[] segmentBytes = new long[MaxSegments];
    private readonly bool[] segmentMapped = new bool[MaxSegments];
    private readonly MemoryMappedViewAccessor?[] views = new MemoryMappedViewAccessor?[MaxSegments];
    private readonly MemoryMappedFile?[] maps = new MemoryMappedFile?[MaxSegments];
    private readonly Lock growLock = new();
    private readonly int baseShift;
    private readonly uint segment0Count;
    private readonly byte* segment0;
    private readonly nint stride;

    /// <summary>Companion file that backs segments added by growth (null: native memory).</summary>
    private readonly FileStream? backing;
    private long backingLength;
    private int capacity;
    private int segmentCount;

    /// <summary>Creates the store and its first segment (as <see cref="NodeStore"/>'s for the same capacity), in native
    /// memory or, with <paramref name="backingPath"/>, in a companion file created (or truncated) there.</summary>
    /// <param name="vectorBytes">Bytes of one exact vector (4·Dimension).</param>
    /// <param name="initialCapacity">Vectors of the first segment (at least 16, rounded up to a multiple of 16).</param>
    /// <param name="backingPath">Companion file for the vectors (<see cref="HnswOptions.ExactVectorFile"/>); null keeps
    /// them in native memory. The file is deleted when the store is finalised (the process exits or the index is
    /// collected).</param>
    /// <exception cref="IOException">The companion file cannot be created.</exception>
    public ExactVectorStore(int vectorBytes, int initialCapacity, string? backingPath)
    {
        VectorBytes = vectorBytes;
        stride = RowBytes(vectorBytes);
        segment0Count = (uint)NodeStore.FirstSegmentRecords(initialCapacity);
        baseShift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2(segment0Count));
        if (backingPath is not null)
        {
            backing = new FileStream(backingPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.DeleteOnClose);
        }
        Grow(0);
        segment0 = (byte*)segments[0];
    }

    /// <summary>A loaded index's store: segment 0 is a private copy-on-write mapping of
    /// <c>FirstSegmentRecords(slots)</c> rows at <paramref name="offset"/> of <paramref name="file"/> (the index file's
    /// exact-vector section, already checked); later segments are native memory.</summary>
    /// <param name="file">The open index file (the mapping keeps its own reference to it; the stream may be closed).</param>
    /// <param name="offset">Byte offset of the section (a multiple of 4,096).</param>
    /// <param name="vectorBytes">Bytes of one exact vector.</param>
    /// <param name="slots">Slots of the index (the section holds <c>FirstSegmentRecords(slots)</c> rows).</param>
    public ExactVectorStore(FileStream file, long offset, int vectorBytes, int slots)
    {
        VectorBytes = vectorBytes;
        stride = RowBytes(vectorBytes);
        segment0Count = (uint)NodeStore.FirstSegmentRecords(slots);
        baseShift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2(segment0Count));
        var bytes = segment0Count * (long)stride;
        var map = MemoryMappedFile.CreateFromFile(file, mapName: null, capacity: 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: true);
        AddMappedSegment(0, map, offset, bytes, MemoryMappedFileAccess.CopyOnWrite);
        segmentCount = 1;
        capacity = (int)segment0Count;
        segment0 = (byte*)segments[0];
    }

    ~ExactVectorStore()
    {
        for (var s = 0; s < segmentCount; s++)
        {
            if (segmentMapped[s])
            {
                views[s]!.SafeMemoryMappedViewHandle.ReleasePointer();
                views[s]!.Dispose();
                maps[s]!.Dispose();
            }
            else
            {
                NativeMemory.AlignedFree((void*)segments[s]);
                GC.RemoveMemoryPressure(segmentBytes[s]);
            }
        }
        backing?.Dispose();
    }

    /// <summary>Bytes of one exact vector.</summary>
    public int VectorBytes { get; }

    /// <summary>Bytes of one row in memory and in the index file's section: <see cref="VectorBytes"/> rounded up to 64.</summary>
    public static int RowBytes(int vectorBytes) => (vectorBytes + 63) & ~63;

    /// <summary>Bytes of native (resident heap) memory allocated.</summary>
    public long ResidentBytes => Sum(mapped: false);

    /// <summary>Bytes of segments that are memory-mapped files (the index file's section, or the companion file).</summary>
    public long MappedBytes => Sum(mapped: true);

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
    /// <exception cref="IOException">The companion file cannot grow (disk full).</exception>
    public void EnsureCapacity(int id)
    {
        if (id < Volatile.Read(ref capacity))
        {
            return;
        }
        Grow(id);
    }

    private long Sum(bool mapped)
    {
        long b = 0;
        for (var s = 0; s < Volatile.Read(ref segmentCount); s++)
        {
            if (segmentMapped[s] == mapped)
            {
                b += segmentBytes[s];
            }
        }
        return b;
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
                if (backing is not null)
                {
                    // One region of the companion file per segment: the file grows, earlier regions stay mapped.
                    var offset = backingLength;
                    backing.SetLength(offset + bytes);
                    backingLength = offset + bytes;
                    var map = MemoryMappedFile.CreateFromFile(backing, mapName: null, capacity: 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
                    AddMappedSegment(s, map, offset, bytes, MemoryMappedFileAccess.ReadWrite);
                }
                else
                {
                    var p = NativeBlocks.AllocateZeroed(bytes);
                    GC.AddMemoryPressure(bytes);
                    segmentBytes[s] = bytes;
                    Volatile.Write(ref segments[s], (nint)p);
                }
                segmentCount = s + 1;
                Volatile.Write(ref capacity, capacity + (int)next);
            }
        }
    }

    /// <summary>Maps <paramref name="bytes"/> at <paramref name="offset"/> of <paramref name="map"/> as segment
    /// <paramref name="s"/> (the view's pointer is held until finalisation).</summary>
    private void AddMappedSegment(int s, MemoryMappedFile map, long offset, long bytes, MemoryMappedFileAccess access)
    {
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(offset, bytes, access);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            maps[s] = map;
            views[s] = view;
            segmentMapped[s] = true;
            segmentBytes[s] = bytes;
            Volatile.Write(ref segments[s], (nint)(p + view.PointerOffset));
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }
}
