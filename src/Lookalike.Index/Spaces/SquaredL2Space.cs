using System.Runtime.CompilerServices;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Spaces;

/// <summary>float32 vectors stored as given; distance Σ(aᵢ − bᵢ)² in [0, ∞) (finite inputs whose squared distance
/// overflows float give +∞ from the kernel and are reported as <see cref="float.MaxValue"/>).</summary>
internal readonly unsafe struct SquaredL2Space : IVectorSpace
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
    public static float Distance(byte* a, byte* b, int dimension) =>
        MathF.Min(VectorMath.SquaredL2((float*)a, (float*)b, dimension), float.MaxValue);

    public static bool IsValidStored(byte* vector, int dimension) => VectorMath.AllFinite(new ReadOnlySpan<float>(vector, dimension));

    public static int QueryBytes(int dimension) => VectorBytes(dimension);

    public static void PrepareQuery(ReadOnlySpan<float> exact, byte* destination) => Quantize(exact, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QueryDistance(byte* query, byte* stored, int dimension) => Distance(query, stored, dimension);
}
