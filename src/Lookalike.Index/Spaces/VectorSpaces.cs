namespace Lookalike.Index.Spaces;

/// <summary>The one place that maps options to a space and answers the cold-path questions (sizes, encode, decode,
/// file checks) for a <see cref="SpaceKind"/> known only at run time. The hot paths (search, insert, scan) switch on
/// the kind once per call and then run code generic over the space's struct.</summary>
internal static unsafe class VectorSpaces
{
    /// <summary>The space of an index with <paramref name="metric"/> and float32 storage.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown metric.</exception>
    public static SpaceKind KindOf(DistanceMetric metric) => KindOf(metric, Quantization.None);

    /// <summary>The space of an index with <paramref name="metric"/> and <paramref name="quantization"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown metric or quantization, or int8 with a metric other than cosine.</exception>
    public static SpaceKind KindOf(DistanceMetric metric, Quantization quantization) => (metric, quantization) switch
    {
        (DistanceMetric.SquaredL2, Quantization.None) => SpaceKind.SquaredL2,
        (DistanceMetric.Cosine, Quantization.None) => SpaceKind.Cosine,
        (DistanceMetric.InnerProduct, Quantization.None) => SpaceKind.InnerProduct,
        (DistanceMetric.Cosine, Quantization.Int8) => SpaceKind.Int8Cosine,
        (_, Quantization.None) => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown distance metric"),
        _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "no such quantized space"),
    };

    /// <summary>The float32 space whose stored form is <paramref name="kind"/>'s exact form: itself for a float32 space,
    /// <see cref="SpaceKind.Cosine"/> for <see cref="SpaceKind.Int8Cosine"/>.</summary>
    public static SpaceKind ExactKind(SpaceKind kind) => kind == SpaceKind.Int8Cosine ? SpaceKind.Cosine : kind;

    /// <summary>True when <paramref name="kind"/> stores a lossy code of an exact form (<see cref="IVectorSpace.IsQuantized"/>).</summary>
    public static bool IsQuantized(SpaceKind kind) => kind == SpaceKind.Int8Cosine;

    /// <summary>Bytes of one stored vector.</summary>
    public static int VectorBytes(SpaceKind kind, int dimension) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.VectorBytes(dimension),
        SpaceKind.Cosine => CosineSpace.VectorBytes(dimension),
        SpaceKind.Int8Cosine => Int8CosineSpace.VectorBytes(dimension),
        _ => InnerProductSpace.VectorBytes(dimension),
    };

    /// <summary>Bytes of a prepared query (<see cref="IVectorSpace.QueryBytes"/>).</summary>
    public static int QueryBytes(SpaceKind kind, int dimension) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.QueryBytes(dimension),
        SpaceKind.Cosine => CosineSpace.QueryBytes(dimension),
        SpaceKind.Int8Cosine => Int8CosineSpace.QueryBytes(dimension),
        _ => InnerProductSpace.QueryBytes(dimension),
    };

    /// <summary>Bytes of one stored element (for byte-order conversion of files).</summary>
    public static int ElementBytes(SpaceKind kind) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.ElementBytes,
        SpaceKind.Cosine => CosineSpace.ElementBytes,
        SpaceKind.Int8Cosine => Int8CosineSpace.ElementBytes,
        _ => InnerProductSpace.ElementBytes,
    };

    /// <summary>Writes the stored form of a checked vector (float[dimension]) to <paramref name="destination"/>.</summary>
    public static void Encode(SpaceKind kind, ReadOnlySpan<float> source, byte* destination)
    {
        switch (kind)
        {
            case SpaceKind.SquaredL2: SquaredL2Space.Encode(source, destination); break;
            case SpaceKind.Cosine: CosineSpace.Encode(source, destination); break;
            case SpaceKind.Int8Cosine: Int8CosineSpace.Encode(source, destination); break;
            default: InnerProductSpace.Encode(source, destination); break;
        }
    }

    /// <summary>Writes the stored form of a vector already in its exact form (<see cref="IVectorSpace.Quantize"/>).</summary>
    public static void Quantize(SpaceKind kind, ReadOnlySpan<float> exact, byte* destination)
    {
        switch (kind)
        {
            case SpaceKind.SquaredL2: SquaredL2Space.Quantize(exact, destination); break;
            case SpaceKind.Cosine: CosineSpace.Quantize(exact, destination); break;
            case SpaceKind.Int8Cosine: Int8CosineSpace.Quantize(exact, destination); break;
            default: InnerProductSpace.Quantize(exact, destination); break;
        }
    }

    /// <summary>Reads a stored vector back as float[destination.Length] (approximately, for a quantised space).</summary>
    public static void Decode(SpaceKind kind, byte* source, Span<float> destination)
    {
        switch (kind)
        {
            case SpaceKind.SquaredL2: SquaredL2Space.Decode(source, destination); break;
            case SpaceKind.Cosine: CosineSpace.Decode(source, destination); break;
            case SpaceKind.Int8Cosine: Int8CosineSpace.Decode(source, destination); break;
            default: InnerProductSpace.Decode(source, destination); break;
        }
    }

    /// <summary>True when a stored vector read from a file is one the space could have written.</summary>
    public static bool IsValidStored(SpaceKind kind, byte* vector, int dimension) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.IsValidStored(vector, dimension),
        SpaceKind.Cosine => CosineSpace.IsValidStored(vector, dimension),
        SpaceKind.Int8Cosine => Int8CosineSpace.IsValidStored(vector, dimension),
        _ => InnerProductSpace.IsValidStored(vector, dimension),
    };
}
