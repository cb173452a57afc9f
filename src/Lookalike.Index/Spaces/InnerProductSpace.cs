using System.Runtime.CompilerServices;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Spaces;

/// <summary>float32 vectors stored as given; distance 1 − a·b (hnswlib's inner-product space), which may be negative
/// and is clamped into ±<see cref="float.MaxValue"/> when the dot product overflows.</summary>
internal readonly unsafe struct InnerProductSpace : IVectorSpace
{
    public static int VectorBytes(int dimension) => dimension * sizeof(float);

    public static int ElementBytes => sizeof(float);

    public static bool IsQuantized => false;

    public static void Quantize(ReadOnlySpan<float> exact, byte* destination) =>
        exact.CopyTo(new Span<float>(destination, exact.Length));


    public static void Encode(ReadOnlySpan<float> source, byte* destination) =>
        source.CopyTo(new Span<float>(destination, source.Length));

    public static void Decode(byte* source, Span<float> destination) =>
        new ReadOnlySpan<float>(source, destination.Length).CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(byte* a, byte* b, int dimension)
    {
        var d = 1f - VectorMath.Dot((float*)a, (float*)b, dimension);
        return float.IsNaN(d) ? float.MaxValue : Math.Clamp(d, -float.MaxValue, float.MaxValue);
    }

    public static bool IsValidStored(byte* vector, int dimension) => VectorMath.AllFinite(new ReadOnlySpan<float>(vector, dimension));

    public static int QueryBytes(int dimension) => VectorBytes(dimension);

    public static void PrepareQuery(ReadOnlySpan<float> exact, byte* destination) => Quantize(exact, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QueryDistance(byte* query, byte* stored, int dimension) => Distance(query, stored, dimension);
}
