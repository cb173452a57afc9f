using System.Runtime.CompilerServices;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Spaces;

/// <summary>float32 vectors normalised to unit length on insert (and queries on search), as hnswlib's cosine space
/// (an inner-product space over normalised data); distance 1 − a·b clamped into [0, 2], so float rounding never yields
/// a negative distance (a self-query gives exactly 0 or a tiny positive value).</summary>
internal readonly unsafe struct CosineSpace : IVectorSpace
{
    public static int VectorBytes(int dimension) => dimension * sizeof(float);

    public static int ElementBytes => sizeof(float);

    public static bool IsQuantized => false;

    public static void Quantize(ReadOnlySpan<float> exact, byte* destination) =>
        exact.CopyTo(new Span<float>(destination, exact.Length));


    public static void Encode(ReadOnlySpan<float> source, byte* destination) =>
        VectorMath.NormalizeInto(source, new Span<float>(destination, source.Length));

    public static void Decode(byte* source, Span<float> destination) =>
        new ReadOnlySpan<float>(source, destination.Length).CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(byte* a, byte* b, int dimension) =>
        Math.Clamp(1f - VectorMath.Dot((float*)a, (float*)b, dimension), 0f, 2f);

    public static bool IsValidStored(byte* vector, int dimension)
    {
        var v = new ReadOnlySpan<float>(vector, dimension);
        if (!VectorMath.AllFinite(v))
        {
            return false;
        }
        var norm2 = VectorMath.ScalarDot(v, v);
        return Math.Abs(norm2 - 1) < 1e-3;
    }

    public static int QueryBytes(int dimension) => VectorBytes(dimension);

    public static void PrepareQuery(ReadOnlySpan<float> exact, byte* destination) => Quantize(exact, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QueryDistance(byte* query, byte* stored, int dimension) => Distance(query, stored, dimension);
}
