namespace Lookalike.Index.Spaces;

/// <summary>The vector spaces an index can use; chosen once from the options by <see cref="VectorSpaces.KindOf(DistanceMetric, Quantization)"/>.</summary>
internal enum SpaceKind
{
    /// <summary><see cref="SquaredL2Space"/>.</summary>
    SquaredL2,

    /// <summary><see cref="CosineSpace"/>.</summary>
    Cosine,

    /// <summary><see cref="InnerProductSpace"/>.</summary>
    InnerProduct,

    /// <summary><see cref="Int8CosineSpace"/> (cosine with <see cref="Quantization.Int8"/>).</summary>
    Int8Cosine,
}
