using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Spaces;

/// <summary>Int8 scalar-quantised cosine space (<see cref="Quantization.Int8"/>): a vector is normalised to unit length
/// (its exact form, <see cref="CosineSpace"/>'s), then each component x ∈ [−1, 1] is stored as the signed byte
/// round(127·x) (ties to even), clamped to ±127, so −128 never occurs and the code is symmetric. The scale is fixed
/// (USearch's <c>i8</c> cast of unit vectors), so the space needs no training and no per-index state: its members stay
/// static and the distance inlines into the graph loop. Distance 1 − (a·b)/127² from the exact integer dot product
/// (<see cref="Int8Math.Dot(sbyte*, sbyte*, int)"/>), clamped into [0, 2]; it differs from the float cosine distance by
/// at most about √Dimension/127 (each component's rounding error ≤ 1/254), which is why the index re-ranks its final
/// candidates on the exact form.</summary>
internal readonly unsafe struct Int8CosineSpace : IVectorSpace
{
    /// <summary>Codes per unit of a component: code = round(<see cref="Scale"/>·x).</summary>
    public const float Scale = 127f;

    private const float InverseScaleSquared = 1f / (Scale * Scale);

    public static int VectorBytes(int dimension) => dimension;

    public static int ElementBytes => 1;


    public static bool IsQuantized => true;

    public static void Encode(ReadOnlySpan<float> source, byte* destination)
    {
        var rented = ArrayPool<float>.Shared.Rent(source.Length);
        try
        {
            var unit = rented.AsSpan(0, source.Length);
            VectorMath.NormalizeInto(source, unit);
            Quantize(unit, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    public static void Quantize(ReadOnlySpan<float> exact, byte* destination)
    {
        var codes = (sbyte*)destination;
        for (var i = 0; i < exact.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(exact[i] * Scale), -Scale, Scale);
        }
    }

    /// <summary>The approximate unit vector code/127 (not renormalised); the index reads its exact copy instead.</summary>
    public static void Decode(byte* source, Span<float> destination)
    {
        var codes = (sbyte*)source;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = codes[i] / Scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(byte* a, byte* b, int dimension) =>
        Math.Clamp(1f - (Int8Math.Dot((sbyte*)a, (sbyte*)b, dimension) * InverseScaleSquared), 0f, 2f);

    /// <summary>Units of a prepared query's component: q = round(<see cref="QueryScale"/>·x), int16.</summary>
    public const float QueryScale = 32767f;

    private const float InverseQueryProductScale = 1f / (Scale * QueryScale);

    /// <summary>A prepared query is int16[dimension]: 2 bytes a component.</summary>
    public static int QueryBytes(int dimension) => dimension * sizeof(short);

    /// <summary>The unit query as int16 round(32,767·x) (ties to even), clamped to ±32,767: 258 times finer than the
    /// codes, so the walk's distance error is the stored codes' alone (FAISS's and USearch's asymmetric distance).
    /// Vectorised with <see cref="Vector256"/> where accelerated; the same values as the scalar loop.</summary>
    public static void PrepareQuery(ReadOnlySpan<float> exact, byte* destination)
    {
        var q = (short*)destination;
        var i = 0;
        fixed (float* x = exact)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                var scale = Vector256.Create(QueryScale);
                var hi = Vector256.Create(QueryScale);
                var lo = Vector256.Create(-QueryScale);
                for (; i <= exact.Length - 16; i += 16)
                {
                    var a = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x + i) * scale, lo), hi)));
                    var b = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x + i + 8) * scale, lo), hi)));
                    Vector256.Narrow(a, b).Store(q + i);
                }
            }
            for (; i < exact.Length; i++)
            {
                q[i] = (short)Math.Clamp(MathF.Round(x[i] * QueryScale), -QueryScale, QueryScale);
            }
        }
    }

    /// <summary>1 − (q·c)/(127·32,767) from the exact integer product (<see cref="Int8Math.Dot(short*, sbyte*, int)"/>),
    /// clamped into [0, 2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QueryDistance(byte* query, byte* stored, int dimension) =>
        Math.Clamp(1f - (Int8Math.Dot((short*)query, (sbyte*)stored, dimension) * InverseQueryProductScale), 0f, 2f);

    /// <summary>True when no code is −128 (which <see cref="Quantize"/> never writes).</summary>
    public static bool IsValidStored(byte* vector, int dimension)
    {
        var codes = (sbyte*)vector;
        for (var i = 0; i < dimension; i++)
        {
            if (codes[i] == sbyte.MinValue)
            {
                return false;
            }
        }
        return true;
    }
}
