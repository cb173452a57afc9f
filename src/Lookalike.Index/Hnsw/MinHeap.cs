using System.Runtime.CompilerServices;

namespace Lookalike.Index.Hnsw;

/// <summary>Binary min-heap of candidates on a pinned, growing array (nearest on top).</summary>
internal sealed unsafe class MinHeap
{
    private Candidate[] items = GC.AllocateArray<Candidate>(256, pinned: true);
    private Candidate* p;

    /// <summary>Creates an empty heap with room for 256 items.</summary>
    public MinHeap() => p = (Candidate*)Unsafe.AsPointer(ref items[0]);

    /// <summary>Number of items.</summary>
    public int Count;

    /// <summary>The root item (undefined when empty).</summary>
    public ref Candidate Top => ref p[0];

    /// <summary>Empties the heap. O(1).</summary>
    public void Clear() => Count = 0;

    /// <summary>Adds an item. O(log n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float distance, int id)
    {
        if (Count == items.Length)
        {
            GrowArray();
        }
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (p[parent].Distance <= distance)
            {
                break;
            }
            p[i] = p[parent];
            i = parent;
        }
        p[i] = new Candidate(distance, id);
    }

    /// <summary>Removes and returns the root. O(log n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Candidate Pop()
    {
        var top = p[0];
        var last = p[--Count];
        var n = Count;
        var i = 0;
        while (true)
        {
            var c = (2 * i) + 1;
            if (c >= n)
            {
                break;
            }
            if (c + 1 < n && p[c + 1].Distance < p[c].Distance)
            {
                c++;
            }
            if (p[c].Distance >= last.Distance)
            {
                break;
            }
            p[i] = p[c];
            i = c;
        }
        p[i] = last;
        return top;
    }

    private void GrowArray()
    {
        var bigger = GC.AllocateArray<Candidate>(items.Length * 2, pinned: true);
        items.AsSpan().CopyTo(bigger);
        items = bigger;
        p = (Candidate*)Unsafe.AsPointer(ref items[0]);
    }
}
