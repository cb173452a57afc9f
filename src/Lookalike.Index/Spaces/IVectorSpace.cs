namespace Lookalike.Index.Spaces;

/// <summary>
/// How an index stores its vectors and measures distance between them, as hnswlib's <c>SpaceInterface</c> (data size
/// plus distance function) or the storage FAISS's <c>IndexHNSW</c> owns apart from its graph. The graph code
/// (<see cref="HnswIndex"/> search and insert, <see cref="FlatIndex"/>'s scan) sees a stored vector only as a
/// <c>byte*</c> of <see cref="VectorBytes"/> bytes and never knows its element type.
/// </summary>
/// <remarks>
/// Every member is static and the graph code is generic over <c>TSpace : struct, IVectorSpace</c> (the trick of
/// <c>ISearchTracer</c>): the JIT compiles one copy of the search loop per space with the distance inlined, so there is
/// no virtual call or delegate in the hot loop. A new representation is one new type implementing this interface plus its
/// <see cref="SpaceKind"/>, selected in <see cref="VectorSpaces"/>; <see cref="Int8CosineSpace"/> (int8 scalar
/// quantisation, <see cref="IsQuantized"/>) is one.
/// </remarks>
internal unsafe interface IVectorSpace
{
    /// <summary>Bytes of one stored vector of <paramref name="dimension"/> components.</summary>
    static abstract int VectorBytes(int dimension);

    /// <summary>Bytes of one stored element: the unit whose byte order a file on a big-endian machine must reverse.</summary>
    static abstract int ElementBytes { get; }

    /// <summary>True when the stored form is a lossy code (int8) of an exact float32 form: the index then keeps the exact
    /// form outside the node records (in the layout of <see cref="VectorSpaces.ExactKind"/>'s space) and re-ranks the
    /// final candidates on it. False for the float32 spaces, whose stored form is exact.</summary>
    static abstract bool IsQuantized { get; }

    /// <summary>Writes the stored form of a vector already in its exact form (float[dimension] as
    /// <see cref="VectorSpaces.ExactKind"/>'s space stores it: normalised under cosine) to <paramref name="destination"/>
    /// (<see cref="VectorBytes"/> bytes); a copy for the float32 spaces, the int8 codes for a quantised one.</summary>
    static abstract void Quantize(ReadOnlySpan<float> exact, byte* destination);

    /// <summary>Writes the stored form of <paramref name="source"/> (float[dimension], already checked by
    /// <see cref="Validation.VectorGuard"/>) to <paramref name="destination"/> (<see cref="VectorBytes"/> bytes).</summary>
    static abstract void Encode(ReadOnlySpan<float> source, byte* destination);

    /// <summary>Reads a stored vector back as float[dimension] (as the caller can use it: normalised under cosine).</summary>
    static abstract void Decode(byte* source, Span<float> destination);

    /// <summary>Distance between two stored vectors (or an encoded query and a stored vector); smaller is closer.
    /// Always finite and inside the metric's range for vectors that <see cref="Validation.VectorGuard"/> accepted.</summary>
    static abstract float Distance(byte* a, byte* b, int dimension);

    /// <summary>Bytes of a prepared query (<see cref="PrepareQuery"/>); at least <see cref="VectorBytes"/>.</summary>
    static abstract int QueryBytes(int dimension);

    /// <summary>Writes the form in which the graph walk compares a query (or a vector being inserted) against stored
    /// vectors, from its exact form (as for <see cref="Quantize"/>), to <paramref name="destination"/>
    /// (<see cref="QueryBytes"/> bytes): the stored form itself for the float32 spaces; for a quantised space a more
    /// precise form than its codes, so that only the stored side carries quantisation error (asymmetric distance).</summary>
    static abstract void PrepareQuery(ReadOnlySpan<float> exact, byte* destination);

    /// <summary>Distance from a prepared query (<see cref="PrepareQuery"/>) to a stored vector; smaller is closer, same
    /// range as <see cref="Distance"/> and an estimate of the same quantity.</summary>
    static abstract float QueryDistance(byte* query, byte* stored, int dimension);

    /// <summary>True when a stored vector read from a file is one this space could have written (finite, and unit
    /// length within float rounding under cosine).</summary>
    static abstract bool IsValidStored(byte* vector, int dimension);
}
