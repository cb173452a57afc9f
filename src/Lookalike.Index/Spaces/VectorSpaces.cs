namespace Lookalike.Index.Spaces;

/// <summary>The one place that maps options to a space and answers the cold-path questions (sizes, encode, decode,
/// file checks) for a <see cref="SpaceKind"/> known only at run time. The hot paths (search, insert, scan) switch on
/// the kind once per call and then run code generic over the space's struct.</summary>
internal static unsafe class VectorSpaces
{
    /// <summary>The space of an index with <paramref name="metric"/> (float32 storage).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown metric.</exception>
    public static SpaceKind KindOf(DistanceMetric metric) => metric switch
    {
        DistanceMetric.SquaredL2 => SpaceKind.SquaredL2,
        DistanceMetric.Cosine => SpaceKind.Cosine,
        DistanceMetric.InnerProduct => SpaceKind.InnerProduct,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown distance metric"),
    };

    /// <summary>Bytes of one stored vector.</summary>
    public static int VectorBytes(SpaceKind kind, int dimension) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.VectorBytes(dimension),
        SpaceKind.Cosine => CosineSpace.VectorBytes(dimension),
        _ => InnerProductSpace.VectorBytes(dimension),
    };

    /// <summary>Bytes of one stored element (for byte-order conversion of files).</summary>
    public static int ElementBytes(SpaceKind kind) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.ElementBytes,
        SpaceKind.Cosine => CosineSpace.ElementBytes,
        _ => InnerProductSpace.ElementBytes,
    };

    /// <summary>Writes the stored form of a checked vector (float[dimension]) to <paramref name="destination"/>.</summary>
    public static void Encode(SpaceKind kind, ReadOnlySpan<float> source, byte* destination)
    {
        switch (kind)
        {
            case SpaceKind.SquaredL2: SquaredL2Space.Encode(source, destination); break;
            case SpaceKind.Cosine: CosineSpace.Encode(source, destination); break;
            default: InnerProductSpace.Encode(source, destination); break;
        }
    }

    /// <summary>Reads a stored vector back as float[destination.Length].</summary>
    public static void Decode(SpaceKind kind, byte* source, Span<float> destination)
    {
        switch (kind)
        {
            case SpaceKind.SquaredL2: SquaredL2Space.Decode(source, destination); break;
            case SpaceKind.Cosine: CosineSpace.Decode(source, destination); break;
            default: InnerProductSpace.Decode(source, destination); break;
        }
    }

    /// <summary>True when a stored vector read from a file is one the space could have written.</summary>
    public static bool IsValidStored(SpaceKind kind, byte* vector, int dimension) => kind switch
    {
        SpaceKind.SquaredL2 => SquaredL2Space.IsValidStored(vector, dimension),
        SpaceKind.Cosine => CosineSpace.IsValidStored(vector, dimension),
        _ => InnerProductSpace.IsValidStored(vector, dimension),
    };
}
