using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Lookalike.Index;

namespace Lookalike.Web.Gallery;

/// <summary>
/// The searchable gallery at one moment: the HNSW index, the face → person map, and an exact copy of the normalised
/// descriptors (for exact-search recall, the stranger-distance distribution and the explorer's projection).
/// Replaced as a whole on rebuild (atomic swap); appended to in place by imports.
/// </summary>
public sealed class GallerySnapshot
{
    private readonly Lock _gate = new();
    private float[] _vectors;
    private long[] _labels;
    private int _count;
    private float[]? _strangerDistances;

    internal GallerySnapshot(HnswIndex index, IndexParameters parameters, TimeSpan buildTime, bool loadedFromFile)
    {
        Index = index;
        Parameters = parameters;
        BuildTime = buildTime;
        LoadedFromFile = loadedFromFile;
        _vectors = new float[Math.Max(1024, index.Count) * Dimension];
        _labels = new long[Math.Max(1024, index.Count)];
    }

    /// <summary>Descriptor length (128).</summary>
    public const int Dimension = Lookalike.Faces.FacePipeline.DescriptorLength;

    /// <summary>The HNSW index (cosine metric; labels are face ids).</summary>
    public HnswIndex Index { get; }

    /// <summary>M, efConstruction and the default efSearch this index was built with.</summary>
    public IndexParameters Parameters { get; }

    /// <summary>How long the index took to build or load.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>True when the index came from the index file, false when it was built from the store.</summary>
    public bool LoadedFromFile { get; }

    /// <summary>Face id → face reference.</summary>
    public ConcurrentDictionary<long, FaceRef> Faces { get; } = new();

    /// <summary>Number of faces.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds faces to the exact copy and the face map (the caller adds them to <see cref="Index"/>).</summary>
    internal void AppendExact(IReadOnlyList<FaceRef> faces, ReadOnlySpan<float> vectors)
    {
        lock (_gate)
        {
            var needed = _count + faces.Count;
            if (needed > _labels.Length)
            {
                var capacity = Math.Max(needed, _labels.Length * 2);
                Array.Resize(ref _labels, capacity);
                var grown = new float[capacity * Dimension];
                _vectors.AsSpan(0, _count * Dimension).CopyTo(grown);
                _vectors = grown;
            }
            for (var i = 0; i < faces.Count; i++)
            {
                var row = _vectors.AsSpan((_count + i) * Dimension, Dimension);
                vectors.Slice(i * Dimension, Dimension).CopyTo(row);
                var norm = TensorPrimitives.Norm(row);
                if (norm > 0)
                {
                    TensorPrimitives.Divide(row, norm, row);
                }
                _labels[_count + i] = faces[i].FaceId;
                Faces[faces[i].FaceId] = faces[i];
            }
            Volatile.Write(ref _count, needed);
            _strangerDistances = null;
        }
    }

    /// <summary>A consistent view of the exact copy: labels and row-major normalised vectors of the first <c>count</c> faces.</summary>
    public (long[] Labels, float[] Vectors, int Count) ExactView()
    {
        lock (_gate)
        {
            return (_labels, _vectors, _count);
        }
    }

    /// <summary>Exact k nearest faces by linear scan (cosine distance 1 − a·b), sorted by distance then label.</summary>
    public IReadOnlyList<Neighbor> ExactSearch(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null)
    {
        var (labels, vectors, count) = ExactView();
        Span<float> q = stackalloc float[Dimension];
        query.CopyTo(q);
        var norm = TensorPrimitives.Norm(q);
        if (norm > 0)
        {
            TensorPrimitives.Divide(q, norm, q);
        }
        var best = new List<Neighbor>(k + 1);
        for (var i = 0; i < count; i++)
        {
            if (filter is not null && !filter(labels[i]))
            {
                continue;
            }
            var d = Math.Clamp(1f - TensorPrimitives.Dot(q, vectors.AsSpan(i * Dimension, Dimension)), 0f, 2f);
            if (best.Count == k && (d > best[^1].Distance || (d == best[^1].Distance && labels[i] > best[^1].Label)))
            {
                continue;
            }
            var n = new Neighbor(labels[i], d);
            var at = best.BinarySearch(n, NeighborComparer.Instance);
            best.Insert(at < 0 ? ~at : at, n);
            if (best.Count > k)
            {
                best.RemoveAt(best.Count - 1);
            }
        }
        return best;
    }

    /// <summary>
    /// Sorted distances from sampled gallery faces to their nearest face of a <em>different</em> person: what a stranger's
    /// best match typically looks like. Used to place a distance honestly (see <see cref="StrangerPercentile"/>).
    /// </summary>
    public float[] StrangerDistances()
    {
        var cached = _strangerDistances;
        if (cached is not null)
        {
            return cached;
        }
        var (labels, vectors, count) = ExactView();
        var random = new Random(17);
        var samples = Math.Min(300, count);
        var list = new List<float>(samples);
        for (var s = 0; s < samples; s++)
        {
            var row = count <= 300 ? s : random.Next(count);
            var label = labels[row];
            var q = vectors.AsSpan(row * Dimension, Dimension);
            if (!Faces.TryGetValue(label, out var face))
            {
                continue;
            }
            var personId = face.PersonId;
            var nearest = ExactSearch(q, 1, l => Faces.TryGetValue(l, out var f) && f.PersonId != personId);
            if (nearest.Count > 0)
            {
                list.Add(nearest[0].Distance);
            }
        }
        list.Sort();
        cached = list.ToArray();
        _strangerDistances = cached;
        return cached;
    }

    /// <summary>
    /// Share (0–1) of sampled "best stranger matches" that are farther than <paramref name="distance"/>. A stranger's best
    /// match lands near 0.5; only distances well below what different people reach come near 1. Null when the gallery is too small.
    /// </summary>
    public double? StrangerPercentile(float distance)
    {
        var sorted = StrangerDistances();
        if (sorted.Length < 10)
        {
            return null;
        }
        var at = Array.BinarySearch(sorted, distance);
        var index = at < 0 ? ~at : at;
        return 1.0 - (double)index / sorted.Length;
    }

    private (int Count, Dictionary<long, (float X, float Y)> Points)? _projection;

    /// <summary>Every face placed in 2-D by the first two principal components of the descriptors, scaled to [0, 1]; cached until faces are added.</summary>
    public IReadOnlyDictionary<long, (float X, float Y)> Projection2D()
    {
        var cached = _projection;
        var (labels, vectors, count) = ExactView();
        if (cached is { } c && c.Count == count)
        {
            return c.Points;
        }
        var coords = Gallery.Projection.Pca2(vectors.AsSpan(0, count * Dimension), count, Dimension);
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
        for (var i = 0; i < count; i++)
        {
            minX = Math.Min(minX, coords[i * 2]);
            maxX = Math.Max(maxX, coords[i * 2]);
            minY = Math.Min(minY, coords[i * 2 + 1]);
            maxY = Math.Max(maxY, coords[i * 2 + 1]);
        }
        var points = new Dictionary<long, (float X, float Y)>(count);
        for (var i = 0; i < count; i++)
        {
            points[labels[i]] = ((coords[i * 2] - minX) / Math.Max(1e-6f, maxX - minX), (coords[i * 2 + 1] - minY) / Math.Max(1e-6f, maxY - minY));
        }
        _projection = (count, points);
        return points;
    }

    private sealed class NeighborComparer : IComparer<Neighbor>
    {
        public static readonly NeighborComparer Instance = new();

        public int Compare(Neighbor x, Neighbor y)
        {
            var c = x.Distance.CompareTo(y.Distance);
            return c != 0 ? c : x.Label.CompareTo(y.Label);
        }
    }
}
