using System.Collections.Concurrent;
using Lookalike.Gallery.Matching;
using Lookalike.Index;

namespace Lookalike.Gallery.Index;

/// <summary>
/// The searchable gallery at one moment: the HNSW index, the face → person map, and an exact <see cref="FlatIndex"/>
/// over the same normalised descriptors (exact-search recall, the stranger distribution, the explorer's projection).
/// Replaced as a whole on rebuild (atomic swap); appended to in place by imports. Pages read it; only
/// <see cref="LiveGallery"/> writes it. Distances are cosine, in [0, 2].
/// </summary>
public sealed class GallerySnapshot
{
    private readonly Lock _gate = new();
    private long[] _rows;
    private int _count;
    private HnswOptions _parameters;
    private float[][]? _strangerDistancesByRank;
    private (int Count, PlanarProjection Map)? _projection;

    internal GallerySnapshot(HnswIndex index, TimeSpan buildTime, bool loadedFromFile)
    {
        Index = index;
        _parameters = index.Options;
        BuildTime = buildTime;
        LoadedFromFile = loadedFromFile;
        Exact = new FlatIndex(index.Dimension, DistanceMetric.Cosine);
        _rows = new long[Math.Max(1024, index.Count)];
    }

    /// <summary>The HNSW index (cosine metric; labels are face ids). Inside the library only: pages read the graph through this snapshot's members.</summary>
    internal HnswIndex Index { get; }

    /// <summary>The exact index over the same faces (ground truth).</summary>
    internal FlatIndex Exact { get; }

    /// <summary>Descriptor length of this gallery (the embedder's at build time).</summary>
    public int Dimension => Index.Dimension;

    /// <summary>M, efConstruction and the default efSearch in force (<see cref="HnswOptions.DefaultEfSearch"/> can change without a rebuild).</summary>
    public HnswOptions Parameters => Volatile.Read(ref _parameters);

    /// <summary>How long the index took to build or load.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>True when the index came from the index file, false when it was built from the store.</summary>
    public bool LoadedFromFile { get; }

    /// <summary>Face id → face reference.</summary>
    public IReadOnlyDictionary<long, FaceRef> Faces => FaceMap;

    internal ConcurrentDictionary<long, FaceRef> FaceMap { get; } = new();

    /// <summary>Number of faces.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes the HNSW index holds (vectors and links).</summary>
    public long MemoryBytes => Index.MemoryBytes;

    /// <summary>Node count per layer, layer 0 first; empty for an empty gallery.</summary>
    public IReadOnlyList<int> GetLayerCounts() => Count == 0 ? [] : Index.GetLayerCounts();

    /// <summary>The entry point's face id, or null when empty.</summary>
    public long? EntryPoint => Index.EntryPoint;

    /// <summary>Face ids of every node, in no particular order.</summary>
    public IReadOnlyList<long> GetLabels() => Index.GetLabels();

    /// <summary>The top layer of a face's node.</summary>
    public int GetLevel(long faceId) => Index.GetLevel(faceId);

    /// <summary>A node's neighbours on a layer.</summary>
    public IReadOnlyList<long> GetNeighbors(long faceId, int layer) => Index.GetNeighbors(faceId, layer);

    /// <summary>A search that records the greedy path on every layer and the candidates of layer 0 (the explorer's trace).</summary>
    /// <exception cref="ArgumentException">The descriptor does not have <see cref="Dimension"/> finite components or is zero.</exception>
    public SearchTrace SearchWithTrace(ReadOnlySpan<float> descriptor, int k, int efSearch) => Index.SearchWithTrace(descriptor, k, efSearch);

    internal void SetDefaultEfSearch(int efSearch) => Volatile.Write(ref _parameters, Parameters with { DefaultEfSearch = efSearch });

    /// <summary>Adds faces to the exact index and the face map (the caller has added them to <see cref="Index"/>).</summary>
    /// <param name="faces">The faces, in the order of <paramref name="vectors"/>.</param>
    /// <param name="vectors">Row-major [faces.Count, <see cref="Dimension"/>] descriptors.</param>
    internal void AppendExact(IReadOnlyList<FaceRef> faces, ReadOnlySpan<float> vectors)
    {
        var dimension = Dimension;
        lock (_gate)
        {
            var needed = _count + faces.Count;
            if (needed > _rows.Length)
            {
                Array.Resize(ref _rows, Math.Max(needed, _rows.Length * 2));
            }
            for (var i = 0; i < faces.Count; i++)
            {
                Exact.Add(faces[i].FaceId, vectors.Slice(i * dimension, dimension));
                _rows[_count + i] = faces[i].FaceId;
                FaceMap[faces[i].FaceId] = faces[i];
            }
            Volatile.Write(ref _count, needed);
            _strangerDistancesByRank = null;
        }
    }

    /// <summary>Takes faces out of the HNSW index, the exact index and the face map at once (a face not held is left
    /// alone); from the moment this returns no search returns them. The caller holds the live gallery's write gate.</summary>
    /// <returns>How many faces were removed.</returns>
    internal int RemoveFaces(IReadOnlyCollection<long> faceIds)
    {
        var removed = 0;
        lock (_gate)
        {
            var gone = new HashSet<long>();
            foreach (var id in faceIds)
            {
                Index.Remove(id);
                Exact.Remove(id);
                if (FaceMap.TryRemove(id, out _))
                {
                    gone.Add(id);
                    removed++;
                }
            }
            if (removed == 0)
            {
                return 0;
            }
            // A new row array (not compacted in place): a reader holding the old view keeps a consistent one.
            var rows = new long[Math.Max(1024, _rows.Length)];
            var count = 0;
            for (var i = 0; i < _count; i++)
            {
                if (!gone.Contains(_rows[i]))
                {
                    rows[count++] = _rows[i];
                }
            }
            _rows = rows;
            Volatile.Write(ref _count, count);
            _strangerDistancesByRank = null;
            _projection = null;
        }
        return removed;
    }

    /// <summary>Replaces the face references of faces this snapshot holds (a rename or a merge: same face, other person
    /// or name); faces not held are ignored. The caller holds the live gallery's write gate.</summary>
    internal void UpdateFaces(IEnumerable<FaceRef> faces)
    {
        lock (_gate)
        {
            foreach (var face in faces)
            {
                if (FaceMap.ContainsKey(face.FaceId))
                {
                    FaceMap[face.FaceId] = face;
                }
            }
            // strangers are "other people": a merge changes who they are
            _strangerDistancesByRank = null;
        }
    }

    /// <summary>The face ids in the order they were added, and how many there are (a consistent view).</summary>
    internal (long[] Rows, int Count) RowView()
    {
        lock (_gate)
        {
            return (_rows, _count);
        }
    }

    /// <summary>A face's normalised descriptor (a new array), or null when absent.</summary>
    internal float[]? VectorOf(long faceId)
    {
        var vector = new float[Dimension];
        return Index.TryGetVector(faceId, vector) ? vector : null;
    }

    /// <summary>Exact k nearest faces, sorted by distance then face id (<see cref="FlatIndex.Search"/>).</summary>
    /// <exception cref="ArgumentException">The descriptor does not have <see cref="Dimension"/> finite components or is zero.</exception>
    public IReadOnlyList<Neighbor> ExactSearch(ReadOnlySpan<float> descriptor, int k, Func<long, bool>? filter = null) =>
        Exact.Search(descriptor, k, 0, filter);

    /// <summary>Sorted best-stranger-match distances of sampled faces (<see cref="StrangerDistribution"/>), cached until faces are added.</summary>
    public float[] StrangerDistances() => StrangerDistancesByRank()[0];

    /// <summary>Strangers' look-alike distances per rank 1…<see cref="StrangerDistribution.MaxRank"/> (<see cref="StrangerDistribution.SampleByRank"/>), cached until faces are added.</summary>
    private float[][] StrangerDistancesByRank() => _strangerDistancesByRank ??= StrangerDistribution.SampleByRank(this, StrangerDistribution.MaxRank);

    /// <summary>Share (0–1) of sampled best stranger matches farther than <paramref name="distance"/>; null when the gallery is too small.</summary>
    public double? StrangerPercentile(float distance) => StrangerDistribution.Percentile(StrangerDistances(), distance);

    /// <summary>
    /// Share (0–1) of strangers' <paramref name="rank"/>-th look-alikes (<see cref="StrangerDistribution.SampleByRank"/>,
    /// all ranks up to <see cref="StrangerDistribution.MaxRank"/>, cached until faces are added) farther than
    /// <paramref name="distance"/> (cosine, 0–2); null when the gallery is too small or <paramref name="rank"/> is
    /// outside 1–<see cref="StrangerDistribution.MaxRank"/>.
    /// </summary>
    public double? StrangerPercentileAtRank(float distance, int rank)
    {
        if (rank < 1 || rank > StrangerDistribution.MaxRank)
        {
            return null;
        }
        return StrangerDistribution.Percentile(StrangerDistancesByRank()[rank - 1], distance);
    }

    /// <summary>Every face placed in 2-D by the first two principal components, scaled to [0, 1]; cached until faces are added.</summary>
    public IReadOnlyDictionary<long, (float X, float Y)> Projection2D() => Map2D().Points;

    /// <summary>
    /// The 2-D map of <see cref="Projection2D"/> with its basis, so a descriptor outside the gallery (your photo) is
    /// placed by the same PCA (<see cref="PlanarProjection.Project"/>); cached until faces are added or removed.
    /// </summary>
    public PlanarProjection Map2D()
    {
        var count = Count;
        if (_projection is { } c && c.Count == count)
        {
            return c.Map;
        }
        var map = Projection.Fit(this);
        _projection = (count, map);
        return map;
    }

    /// <summary>Cosine distance (0–2) between two gallery faces; null when either is not in the gallery.</summary>
    public float? Distance(long faceA, long faceB)
    {
        var a = VectorOf(faceA);
        var b = VectorOf(faceB);
        return a is null || b is null ? null : 1f - System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
    }

    /// <summary>
    /// Cosine distance (0–2) from a descriptor (any length-<see cref="Dimension"/> vector; normalised here) to a gallery
    /// face, as a search measures it; null when the face is not in the gallery or the descriptor has the wrong length or is zero.
    /// </summary>
    public float? DistanceTo(ReadOnlySpan<float> descriptor, long faceId)
    {
        if (descriptor.Length != Dimension)
        {
            return null;
        }
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(descriptor);
        var face = VectorOf(faceId);
        return face is null || !(norm > 0) ? null : 1f - System.Numerics.Tensors.TensorPrimitives.Dot(descriptor, face) / norm;
    }
}
