using System.Globalization;
using Lookalike.Index.Hnsw;
using Lookalike.Index.Spaces;
using Lookalike.Index.Validation;

namespace Lookalike.Index;

/// <summary>
/// Hierarchical Navigable Small World graph index (Malkov &amp; Yashunin, "Efficient and robust approximate nearest
/// neighbor search using Hierarchical Navigable Small World graphs", arXiv:1603.09320): approximate k-NN search in
/// roughly O(log n) distance computations per query.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Every node is one fixed-stride record (vector, label, level, flags, layer-0 links: count + 2·M ids)
/// in native segments of doubling size, as hnswlib's level-0 block; upper-layer links are small per-node arrays. Vectors
/// are stored contiguously (stride = record stride), never as <c>float[][]</c>. How a vector is stored and compared is
/// the business of the index's vector space (<c>Spaces/</c>, hnswlib's <c>SpaceInterface</c>): the graph code is generic
/// over it and never sees the element type. Under <see cref="DistanceMetric.Cosine"/> vectors are normalised on insert
/// and queries on search.</para>
/// <para><b>Quantisation.</b> With <see cref="HnswOptions.Quantization"/> = <see cref="Index.Quantization.Int8"/> the
/// records hold int8 codes (one byte per component, fixed scale 127 for unit vectors; FAISS <c>IndexHNSWSQ</c>,
/// USearch <c>i8</c>) that the graph walk and the insert-time neighbour selection compare with SIMD integer kernels, and
/// the float32 vectors are kept outside the records; a search re-ranks its max(ef + k/2, 2·k) layer-0 results on them, so
/// returned distances are exact cosine distances and recall@10 stays within 0.005 of a float32 index at the same
/// efSearch (tests: <c>HnswInt8Tests</c>). The float32 copies are not part of the resident heap unless asked for: a
/// loaded index maps them from the page-aligned exact-vector section of its file (<see cref="ExactVectorPlacement"/>,
/// format version 3), an index being built keeps them in native memory or in a companion file
/// (<see cref="HnswOptions.ExactVectorFile"/>); <see cref="MemoryBytes"/> counts what is resident,
/// <see cref="MappedBytes"/> what is mapped (tests: <c>HnswInt8FileTests</c>).</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread at any time:
/// searches (<see cref="Search(ReadOnlySpan{float}, int, int, Func{long, bool}?)"/>, <see cref="SearchWithTrace"/>),
/// reads (<see cref="Contains"/>, <see cref="TryGetVector"/>, introspection) and mutations (<see cref="Add"/>,
/// <see cref="AddRange"/>, <see cref="Remove"/>) run concurrently; searches take no locks. Inserts lock one node at a
/// time (a spin lock per node, as hnswlib's <c>link_list_locks_</c>) and never hold two node locks, so they cannot
/// deadlock. An insert that raises the top layer holds one index-wide lock from its search to its becoming the entry
/// point (as hnswlib's <c>global</c> mutex), so two such inserts never race (tests: <c>HnswConcurrencyTests</c>); it is
/// taken before any node lock. Capacity growth adds a segment and never moves a record, so a search during growth never
/// sees a torn or freed array. A result is always a label that was live when its node was examined, with a finite distance;
/// a label removed or added while a search runs may or may not appear in that search. When a removed slot is reused
/// by a concurrent <see cref="Add"/>, a search running at that moment may report the new label with a distance computed
/// from a partly rewritten vector. <see cref="Save"/> waits for running mutations and blocks new ones while it writes.</para>
/// <para><b>Determinism.</b> Levels come from a SplitMix64 generator seeded with <see cref="HnswOptions.Seed"/>, drawn
/// in insertion order, so the same seed and the same sequential insertion order build the same graph. A parallel
/// <see cref="AddRange"/> draws the same levels, but the links depend on thread timing.</para>
/// </remarks>
public sealed partial class HnswIndex : IVectorIndex
{
    private const int MaxLevel = 30;

    private readonly NodeStore store;
    private readonly DistanceMetric metric;
    private readonly SpaceKind space;
    private readonly int dimension;
    private readonly int vectorBytes;

    /// <summary>The float32 space of the exact vectors (<see cref="space"/> itself unless quantised).</summary>
    private readonly SpaceKind exactSpace;

    /// <summary>Exact vectors of a quantised index, outside the node records (null for float32 storage).</summary>
    private readonly ExactVectorStore? exact;

    /// <summary>Bytes of one exact vector (4·Dimension).</summary>
    private readonly int exactBytes;

    /// <summary>Offset of the exact (float32) query in a scratch's query buffer, after the encoded query; 0 when not quantised.</summary>
    private readonly int exactOffset;

    /// <summary>Bytes of a scratch's query buffer: the encoded query, then (quantised) the exact query.</summary>
    private readonly int queryBytes;
    private readonly int m;
    private readonly int m0;
    private readonly int efConstruction;
    private readonly double levelMultiplier;
    private readonly Lock labelLock = new();
    private readonly Dictionary<long, int> labelToId = [];
    private readonly Stack<int> freeSlots = new();
    private readonly Lock entryLock = new();

    /// <summary>Held for the whole insert of a node whose level is above the top layer (as hnswlib's <c>global</c> mutex
    /// in <c>addPoint</c>): two such inserts in flight at once would each link only up to the old top layer, and the one
    /// that does not become the entry point would stay with empty lists on its upper layers, cut off there for good.</summary>
    private readonly Lock elevationLock = new();
    private readonly MutationGate gate = new();

    /// <summary>Entry point and top layer packed as <c>(maxLevel &lt;&lt; 32) | id</c>; −1 when empty.</summary>
    private long entry = -1;
    private int nodeCount;
    private int liveCount;
    private int deletedSlots;
    private long upperBytes;
    private ulong rngState;

    /// <summary>Creates an empty index.</summary>
    /// <param name="options">Dimension, metric and tuning parameters; see <see cref="HnswOptions"/> for defaults and ranges.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range (e.g. <c>InitialCapacity</c> ≤ 0, <c>M</c> &lt; 2).</exception>
    /// <exception cref="IOException"><see cref="HnswOptions.ExactVectorFile"/> is set and cannot be created.</exception>
    public HnswIndex(HnswOptions options)
        : this(options, options?.InitialCapacity ?? 0, null)
    {
    }

    /// <summary>Creates an empty index with room for <paramref name="capacity"/> nodes in its first segment
    /// (<see cref="Load(string)"/> sizes it for the file while keeping the saved options unchanged). A quantised index
    /// takes <paramref name="mappedExact"/> as its exact-vector store when given (a loaded file's mapped section).</summary>
    private HnswIndex(HnswOptions options, int capacity, Func<ExactVectorStore>? mappedExact)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        metric = options.Metric;
        dimension = options.Dimension;
        space = VectorSpaces.KindOf(metric, options.Quantization);
        vectorBytes = VectorSpaces.VectorBytes(space, dimension);
        exactSpace = VectorSpaces.ExactKind(space);
        exactBytes = VectorSpaces.VectorBytes(exactSpace, dimension);
        if (VectorSpaces.IsQuantized(space))
        {
            exact = mappedExact?.Invoke() ?? new ExactVectorStore(exactBytes, Math.Max(capacity, 1), options.ExactVectorFile);
            // The scratch's query buffer: the prepared query (or an inserted vector's codes), then its exact form.
            exactOffset = ExactVectorStore.RowBytes(Math.Max(vectorBytes, VectorSpaces.QueryBytes(space, dimension)));
            queryBytes = exactOffset + exactBytes;
        }
        else
        {
            queryBytes = vectorBytes;
        }
        m = options.M;
        m0 = 2 * options.M;
        efConstruction = Math.Max(options.EfConstruction, options.M);
        levelMultiplier = 1.0 / Math.Log(options.M);
        rngState = (ulong)(uint)options.Seed * 0x9E3779B97F4A7C15UL;
        store = new NodeStore(vectorBytes, m, Math.Max(capacity, 1));
    }

    /// <summary>The options the index was created with.</summary>
    public HnswOptions Options { get; }

    /// <inheritdoc/>
    public int Dimension => dimension;

    /// <inheritdoc/>
    public DistanceMetric Metric => metric;

    /// <summary>How the graph's vectors are stored (<see cref="HnswOptions.Quantization"/>).</summary>
    public Quantization Quantization => Options.Quantization;

    /// <summary>Number of live vectors (added and not removed). O(1).</summary>
    public int Count => Volatile.Read(ref liveCount);

    /// <summary>Node slots allocated so far (live plus removed-but-not-reused).</summary>
    public int SlotCount => Volatile.Read(ref nodeCount);

    /// <summary>Inserts <paramref name="vector"/> (length <see cref="Dimension"/>) under <paramref name="label"/>
    /// (paper §4, Algorithm 1). An existing label is replaced: its old vector is removed and the new one inserted.
    /// A removed slot is reused when one is free. Expected cost O(efConstruction · M · log n) distance computations.</summary>
    /// <exception cref="ArgumentException">Wrong length ("expected 128 dimensions, got 512"), a NaN/infinite component
    /// (the message names the label and the component), or under cosine a vector that cannot be normalised to a finite
    /// unit vector (zero, or a squared norm that underflows float32: the message names the label and says so).
    /// Nothing is inserted.</exception>
    public void Add(long label, ReadOnlySpan<float> vector)
    {
        VectorGuard.CheckVector(vector, dimension, metric, label, nameof(vector));
        int level;
        lock (labelLock)
        {
            level = DrawLevel();
        }
        Insert(label, vector, level);
    }

    /// <summary>Adds n vectors in parallel (hnswlib-style: worker threads pull the next item; per-node locks).</summary>
    /// <param name="labels">n labels, distinct within the batch; a label already in the index is replaced.</param>
    /// <param name="vectors">Row-major [n, Dimension] floats.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads; ≤ 0 means <see cref="Environment.ProcessorCount"/>.
    /// 1 inserts on the calling thread in order (deterministic, same graph as n calls of <see cref="Add"/>).</param>
    /// <param name="progress">Receives the number of vectors inserted so far, every 1,000 and at the end.</param>
    /// <param name="cancellationToken">Stops between two inserts; vectors already inserted stay.</param>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">Length is not n·Dimension, a duplicate label in the batch, or a bad row
    /// (named by label and component). All rows are checked before the first insert, so nothing is inserted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void AddRange(IReadOnlyList<long> labels, ReadOnlyMemory<float> vectors, int maxDegreeOfParallelism = -1, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var n = labels.Count;
        if (vectors.Length != (long)n * dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"expected {n} × {dimension} = {(long)n * dimension} floats for {n} labels, got {vectors.Length}"),
                nameof(vectors));
        }
        var seen = new HashSet<long>(n);
        var span = vectors.Span;
        for (var i = 0; i < n; i++)
        {
            if (!seen.Add(labels[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"label {labels[i]} appears twice in the batch"), nameof(labels));
            }
            VectorGuard.CheckVector(span.Slice(i * dimension, dimension), dimension, metric, labels[i], nameof(vectors));
        }

        var levels = new int[n];
        lock (labelLock)
        {
            for (var i = 0; i < n; i++)
            {
                levels[i] = DrawLevel();
            }
        }

        var threads = maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        var next = -1;
        var done = 0;
        void Worker()
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = Interlocked.Increment(ref next);
                if (i >= n)
                {
                    return;
                }
                Insert(labels[i], vectors.Span.Slice(i * dimension, dimension), levels[i]);
                var c = Interlocked.Increment(ref done);
                if (progress is not null && (c % 1000 == 0 || c == n))
                {
                    progress.Report(c);
                }
            }
        }

        if (threads == 1 || n < 2)
        {
            Worker();
            return;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        Parallel.For(0, threads, options, _ => Worker());
    }

    /// <summary>Removes <paramref name="label"/>: from the moment this returns it is excluded from every search result.
    /// The node stays in the graph as a waypoint (as hnswlib's <c>markDelete</c>) and its slot is reused by a later add.
    /// O(1).</summary>
    /// <returns>False when the label is not in the index.</returns>
    public bool Remove(long label)
    {
        gate.EnterShared();
        try
        {
            lock (labelLock)
            {
                if (!labelToId.Remove(label, out var id))
                {
                    return false;
                }
                store.SetDeleted(id, true);
                freeSlots.Push(id);
                liveCount--;
                deletedSlots++;
                return true;
            }
        }
        finally
        {
            gate.ExitShared();
        }
    }

    /// <summary>True when <paramref name="label"/> is live. O(1).</summary>
    public bool Contains(long label)
    {
        lock (labelLock)
        {
            return labelToId.ContainsKey(label);
        }
    }

    /// <summary>Copies the stored vector of a label (normalised, under cosine) into <paramref name="destination"/>; under
    /// <see cref="Quantization.Int8"/> the exact float32 copy, not the int8 codes.</summary>
    /// <returns>False when the label is absent.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Dimension"/>.</exception>
    public unsafe bool TryGetVector(long label, Span<float> destination)
    {
        if (destination.Length < dimension)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"expected room for {dimension} floats, got {destination.Length}"), nameof(destination));
        }
        lock (labelLock)
        {
            if (!labelToId.TryGetValue(label, out var id))
            {
                return false;
            }
            if (exact is null)
            {
                VectorSpaces.Decode(space, store.Vector(id), destination[..dimension]);
            }
            else
            {
                VectorSpaces.Decode(exactSpace, exact.Vector(id), destination[..dimension]);
            }
            return true;
        }
    }

    /// <summary>Labels of all live elements, in no particular order. O(n), allocates the list.</summary>
    public IReadOnlyList<long> GetLabels()
    {
        lock (labelLock)
        {
            return [.. labelToId.Keys];
        }
    }

    /// <summary>Resident heap bytes: vectors and layer-0 links (allocated record segments, including reserved capacity),
    /// the exact float32 vectors of a quantised index (<see cref="Quantization.Int8"/>) that live in native memory,
    /// upper-layer links and the label map (estimated at 24 bytes per entry). Exact vectors in a memory-mapped file (a
    /// loaded int8 index's section, or <see cref="HnswOptions.ExactVectorFile"/>) are in <see cref="MappedBytes"/>
    /// instead. For 128-D, M 16: about 734 B per vector (float32), 350 B (int8, copies mapped), 862 B (int8, copies in
    /// memory).</summary>
    public long MemoryBytes => store.AllocatedBytes + (exact?.ResidentBytes ?? 0) + Interlocked.Read(ref upperBytes) + (24L * Count);

    /// <summary>Bytes of a quantised index's exact float32 vectors that are memory-mapped files rather than heap (the
    /// loaded file's exact-vector section, or the <see cref="HnswOptions.ExactVectorFile"/> companion): address space,
    /// paged in by the OS only where a search re-ranks. 0 for a float32 index or copies held in memory.</summary>
    public long MappedBytes => exact?.MappedBytes ?? 0;

    /// <summary>Level of a new node: floor(−ln(U)·mL), U uniform in (0, 1], mL = 1/ln(M) (paper §4, Algorithm 1).
    /// Caller holds <see cref="labelLock"/>.</summary>
    private int DrawLevel()
    {
        var x = rngState += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        var u = ((x >> 11) + 1) * (1.0 / (1UL << 53));
        return Math.Min(MaxLevel, (int)(-Math.Log(u) * levelMultiplier));
    }

    private static long PackEntry(int id, int level) => ((long)level << 32) | (uint)id;
}
