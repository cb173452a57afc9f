using Lookalike.Index.Spaces;
using Lookalike.Index.Validation;

namespace Lookalike.Index;

/// <summary>Exact k-NN by linear scan over one contiguous [n, dimension] buffer: the ground truth for the HNSW tests
/// and benchmarks, and an index for tiny galleries. Same metric semantics and the same vector space (storage and
/// distance code) as <see cref="HnswIndex"/> (cosine vectors normalised on insert, distances in [0, 2]).
/// Thread-safe: one lock guards every member (searches of one instance run one at a time).</summary>
public sealed unsafe class FlatIndex : IVectorIndex
{
    private readonly Lock sync = new();
    private readonly Dictionary<long, int> rowOf = [];
    private readonly SpaceKind space;
    private readonly int vectorBytes;
    private byte[] data = [];
    private long[] labels = [];
    private int count;

    /// <summary>Creates an empty exact index.</summary>
    /// <param name="dimension">Vector length, ≥ 1.</param>
    /// <param name="metric">Distance function.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> ≤ 0, or an unknown metric.</exception>
    public FlatIndex(int dimension, DistanceMetric metric)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        space = VectorSpaces.KindOf(metric);
        Dimension = dimension;
        Metric = metric;
        vectorBytes = VectorSpaces.VectorBytes(space, dimension);
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public DistanceMetric Metric { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            lock (sync)
            {
                return count;
            }
        }
    }

    /// <summary>Appends (or replaces) a vector. Amortised O(dimension).</summary>
    /// <exception cref="ArgumentException">Wrong length, non-finite component, or under cosine a vector that cannot be
    /// normalised to a finite unit vector (zero, or squared norm underflowing float32); the message names the label.</exception>
    public void Add(long label, ReadOnlySpan<float> vector)
    {
        VectorGuard.CheckVector(vector, Dimension, Metric, label, nameof(vector));
        lock (sync)
        {
            if (!rowOf.TryGetValue(label, out var row))
            {
                row = count++;
                if (labels.Length < count)
                {
                    var capacity = Math.Max(16, labels.Length * 2);
                    Array.Resize(ref labels, capacity);
                    Array.Resize(ref data, capacity * vectorBytes);
                }
                rowOf[label] = row;
                labels[row] = label;
            }
            fixed (byte* dest = &data[row * vectorBytes])
            {
                VectorSpaces.Encode(space, vector, dest);
            }
        }
    }

    /// <summary>Removes a label by moving the last row into its place. O(dimension).</summary>
    public bool Remove(long label)
    {
        lock (sync)
        {
            if (!rowOf.Remove(label, out var row))
            {
                return false;
            }
            var last = --count;
            if (row != last)
            {
                data.AsSpan(last * vectorBytes, vectorBytes).CopyTo(data.AsSpan(row * vectorBytes, vectorBytes));
                labels[row] = labels[last];
                rowOf[labels[row]] = row;
            }
            return true;
        }
    }

    /// <inheritdoc/>
    public bool Contains(long label)
    {
        lock (sync)
        {
            return rowOf.ContainsKey(label);
        }
    }

    /// <summary>The exact k nearest, sorted by distance then label. <paramref name="efSearch"/> is ignored.
    /// O(n · dimension + n · log k).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0.</exception>
    /// <exception cref="ArgumentException">Wrong length, a non-finite component, or under cosine a query that cannot be
    /// normalised (zero, or squared norm underflowing float32).</exception>
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null)
    {
        VectorGuard.CheckK(k);
        VectorGuard.CheckVector(query, Dimension, Metric, null, nameof(query));
        var q = new byte[vectorBytes];
        fixed (byte* pq = q)
        {
            VectorSpaces.Encode(space, query, pq);
        }
        return space switch
        {
            SpaceKind.SquaredL2 => Scan<SquaredL2Space>(q, k, filter),
            SpaceKind.Cosine => Scan<CosineSpace>(q, k, filter),
            _ => Scan<InnerProductSpace>(q, k, filter),
        };
    }

    /// <summary>The linear scan, compiled once per space (the distance is inlined).</summary>
    private Neighbor[] Scan<TSpace>(byte[] query, int k, Func<long, bool>? filter)
        where TSpace : struct, IVectorSpace
    {
        lock (sync)
        {
            // Max-heap of the best k by (distance, label): the root is the worst kept.
            var heap = new Neighbor[Math.Min(k, count)];
            var size = 0;
            for (var row = 0; row < count; row++)
            {
                var label = labels[row];
                if (filter is not null && !filter(label))
                {
                    continue;
                }
                float d;
                fixed (byte* pq = query)
                fixed (byte* pv = &data[row * vectorBytes])
                {
                    d = TSpace.Distance(pq, pv, Dimension);
                }
                var item = new Neighbor(label, d);
                if (size < heap.Length)
                {
                    heap[size] = item;
                    SiftUp(heap, size++);
                }
                else if (heap.Length > 0 && Worse(heap[0], item))
                {
                    heap[0] = item;
                    SiftDown(heap, size);
                }
            }
            var result = heap.AsSpan(0, size).ToArray();
            Array.Sort(result, static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Label.CompareTo(b.Label));
            return result;
        }
    }

    /// <summary>True when <paramref name="a"/> ranks after <paramref name="b"/> (farther, or equal and larger label).</summary>
    private static bool Worse(Neighbor a, Neighbor b) => a.Distance > b.Distance || (a.Distance == b.Distance && a.Label > b.Label);

    private static void SiftUp(Neighbor[] h, int i)
    {
        while (i > 0)
        {
            var p = (i - 1) / 2;
            if (!Worse(h[i], h[p]))
            {
                break;
            }
            (h[i], h[p]) = (h[p], h[i]);
            i = p;
        }
    }

    private static void SiftDown(Neighbor[] h, int n)
    {
        var i = 0;
        while (true)
        {
            var c = (2 * i) + 1;
            if (c >= n)
            {
                break;
            }
            if (c + 1 < n && Worse(h[c + 1], h[c]))
            {
                c++;
            }
            if (!Worse(h[c], h[i]))
            {
                break;
            }
            (h[i], h[c]) = (h[c], h[i]);
            i = c;
        }
    }
}
