namespace Lookalike.Index;

/// <summary>Construction parameters of an <see cref="HnswIndex"/> (names as in Malkov &amp; Yashunin, arXiv:1603.09320, §4).
/// Memory per element ≈ <c>Dimension·4</c> (vector) + <c>(2·M + 1)·4</c> (layer-0 links) + 24 (label, level, flags)
/// bytes, rounded up to 64, plus on average <c>(M + 1)·4/(M − 1)</c> bytes of upper-layer links. Under
/// <see cref="Quantization.Int8"/> the record holds <c>Dimension</c> bytes of codes instead of <c>Dimension·4</c>, and
/// the float32 copy (<c>Dimension·4</c> rounded up to 64) lives outside the records: for 128-D, M 16, a 320-byte record
/// plus 512 bytes instead of a 704-byte record. Those 512 bytes are resident only while they are in native memory (an
/// index built without <see cref="ExactVectorFile"/>); a loaded int8 index maps them from its file, and one built with
/// <see cref="ExactVectorFile"/> from that file, so its resident part is the 320-byte records.</summary>
/// <remarks>The bounds of the tuning parameters are defined here once (<see cref="MinM"/>, <see cref="MaxM"/>,
/// <see cref="MaxEfConstruction"/>, <see cref="MaxEfSearch"/>, <see cref="MaxDimension"/>): <see cref="Validate"/>,
/// <see cref="HnswIndex.Load(string)"/> and the per-call efSearch of a search check against them, and callers (the
/// app's settings, API and tuning page) read them instead of keeping their own numbers.</remarks>
public sealed record HnswOptions
{
    /// <summary>Largest <see cref="Dimension"/>: 65,536.</summary>
    public const int MaxDimension = 65_536;

    /// <summary>Smallest <see cref="M"/>: 2 (mL = 1/ln M needs M ≥ 2).</summary>
    public const int MinM = 2;

    /// <summary>Largest <see cref="M"/>: 128 (layer 0 keeps 2·M = 256 links, 1 KiB per node; the paper's experiments and
    /// hnswlib's <c>ALGO_PARAMS.md</c> find 12–48 useful, and beyond 128 recall stops improving while memory grows).</summary>
    public const int MaxM = 128;

    /// <summary>Largest <see cref="EfConstruction"/>: 2,000. Build time grows linearly with it while the graph stops
    /// improving long before (hnswlib: "efConstruction ≈ 100–500 is usually enough").</summary>
    public const int MaxEfConstruction = 2_000;

    /// <summary>Largest efSearch: 10,000, for <see cref="DefaultEfSearch"/> and for the efSearch of a single search.
    /// At 10,000 a search expands about as many nodes as an exact scan of a gallery of that size, so larger values
    /// buy nothing a <see cref="FlatIndex"/> would not give exactly.</summary>
    public const int MaxEfSearch = 10_000;

    /// <summary>Length of every vector. Required; range 1…<see cref="MaxDimension"/> (65,536). For face descriptors 128.</summary>
    public required int Dimension { get; init; }

    /// <summary>Distance function. Defaults to <see cref="DistanceMetric.Cosine"/> (face descriptors).</summary>
    public DistanceMetric Metric { get; init; } = DistanceMetric.Cosine;

    /// <summary>Links per node on layers ≥ 1 (layer 0 keeps M0 = 2·M). Defaults to 16; range
    /// <see cref="MinM"/>…<see cref="MaxM"/> (2…128).
    /// Larger M raises recall on hard (high intrinsic dimension) data and costs 8·M bytes per element and
    /// proportionally longer builds; 12–48 is the useful range. Also sets mL = 1/ln(M).</summary>
    public int M { get; init; } = 16;

    /// <summary>Candidate list size while inserting (efConstruction). Defaults to 200; range
    /// 1…<see cref="MaxEfConstruction"/> (2,000; values below M act as M). Higher gives a better graph (recall at a given efSearch) at a linear cost in build time; no memory cost.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>efSearch used when a search passes 0. Defaults to 64; range 1…<see cref="MaxEfSearch"/> (10,000). Higher raises recall and lowers
    /// queries per second roughly linearly; it is always raised to k.</summary>
    public int DefaultEfSearch { get; init; } = 64;

    /// <summary>How the vectors the graph search compares are stored. Defaults to <see cref="Index.Quantization.None"/>
    /// (float32). <see cref="Index.Quantization.Int8"/> (one byte per component, final candidates re-ranked on float32
    /// copies; recall@10 within 0.005 of float at the same efSearch on clustered unit vectors) needs
    /// <see cref="DistanceMetric.Cosine"/>; see <see cref="Index.Quantization"/> for the scheme and memory.</summary>
    public Quantization Quantization { get; init; } = Quantization.None;

    /// <summary>Where an int8 index being built keeps the float32 copies its searches re-rank on (a quantised index
    /// only). Defaults to null: native memory, counted in <see cref="HnswIndex.MemoryBytes"/>. A path: a companion file
    /// created (or truncated) there and memory-mapped read-write, one region per storage segment, so the copies leave
    /// the resident heap and the OS pages them in and out (<see cref="HnswIndex.MappedBytes"/>); the file is deleted
    /// when the index is finalised or the process exits normally. Not saved in the index file: a loaded index maps the
    /// exact-vector section of its own file instead (<see cref="HnswIndex.Load(string, int?, ExactVectorPlacement)"/>).
    /// FAISS <c>IndexRefineFlat</c> keeps its refinement vectors in memory; a companion file is the on-disk variant.</summary>
    public string? ExactVectorFile { get; init; }

    /// <summary>Seed of the level generator; the same seed and insertion order give the same graph. Defaults to 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Elements allocated up front (rounded up to a power of two, at least 16). Defaults to 1024; range ≥ 1.
    /// The index grows past it without copying (new storage segments of doubling size), so this only avoids
    /// growth steps; memory is reserved for the whole first segment.</summary>
    public int InitialCapacity { get; init; } = 1024;

    /// <summary>Checks every parameter against its documented range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range, or <see cref="Quantization"/> is
    /// <see cref="Index.Quantization.Int8"/> with a metric other than cosine; the parameter name says which.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimension, 1, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Dimension, MaxDimension, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfLessThan(M, MinM, nameof(M));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(M, MaxM, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfConstruction, 1, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EfConstruction, MaxEfConstruction, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultEfSearch, 1, nameof(DefaultEfSearch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DefaultEfSearch, MaxEfSearch, nameof(DefaultEfSearch));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialCapacity, 1, nameof(InitialCapacity));
        if (!Enum.IsDefined(Metric))
        {
            throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "unknown distance metric");
        }
        if (!Enum.IsDefined(Quantization))
        {
            throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization, "unknown quantization");
        }
        if (ExactVectorFile is not null && (Quantization == Quantization.None || ExactVectorFile.Length == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ExactVectorFile), ExactVectorFile,
                "a companion file for exact vectors needs a quantised index (a float32 index keeps its vectors in its records) and a non-empty path");
        }
        if (Quantization == Quantization.Int8 && Metric != DistanceMetric.Cosine)
        {
            throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization,
                "int8 quantization needs the cosine metric (its fixed scale of 127 assumes unit vectors)");
        }
    }
}
