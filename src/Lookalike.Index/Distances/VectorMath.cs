using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lookalike.Index.Distances;

/// <summary>SIMD distance kernels over raw float pointers: a Vector512 → Vector256 → Vector128 → scalar ladder with two
/// fused-multiply-add accumulators, so any length (including non-multiples of the vector width) is handled without
/// reading past the end. Tested against <see cref="ScalarSquaredL2"/> and <see cref="ScalarDot"/> at every length 0…300.</summary>
internal static unsafe class VectorMath
{
    /// <summary>Squared Euclidean distance Σ(aᵢ − bᵢ)² of two vectors of length <paramref name="n"/>. O(n), no allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static float SquaredL2(float* a, float* b, int n)
    {
        nint i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Vector512.Load(a + i) - Vector512.Load(b + i);
                var d1 = Vector512.Load(a + i + 16) - Vector512.Load(b + i + 16);
                s0 = Vector512.FusedMultiplyAdd(d0, d0, s0);
                s1 = Vector512.FusedMultiplyAdd(d1, d1, s1);
            }
            if (i <= n - 16)
            {
                var d0 = Vector512.Load(a + i) - Vector512.Load(b + i);
                s0 = Vector512.FusedMultiplyAdd(d0, d0, s0);
                i += 16;
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var d0 = Vector256.Load(a + i) - Vector256.Load(b + i);
                var d1 = Vector256.Load(a + i + 8) - Vector256.Load(b + i + 8);
                s0 = Vector256.FusedMultiplyAdd(d0, d0, s0);
                s1 = Vector256.FusedMultiplyAdd(d1, d1, s1);
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }

        if (Vector256.IsHardwareAccelerated && i <= n - 8)
        {
            var d = Vector256.Load(a + i) - Vector256.Load(b + i);
            sum += HorizontalSum.Sum(d * d);
            i += 8;
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                var d = Vector128.Load(a + i) - Vector128.Load(b + i);
                sum += HorizontalSum.Sum(d * d);
            }
        }
        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Dot product Σ aᵢ·bᵢ of two vectors of length <paramref name="n"/>. O(n), no allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, float* b, int n)
    {
        nint i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), s1);
            }
            if (i <= n - 16)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
                i += 16;
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }

        if (Vector256.IsHardwareAccelerated && i <= n - 8)
        {
            sum += HorizontalSum.Sum(Vector256.Load(a + i) * Vector256.Load(b + i));
            i += 8;
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                sum += HorizontalSum.Sum(Vector128.Load(a + i) * Vector128.Load(b + i));
            }
        }
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> scaled to unit Euclidean length
    /// (SIMD float norm while it lies in [1e-30, 1e30]; outside, where squares lose precision to subnormals or overflow,
    /// recomputed and applied in double). The caller has
    /// checked the vector with <see cref="Validation.VectorGuard"/> (finite, squared norm at least
    /// <see cref="MinCosineSquaredNorm"/>), so the result is finite with norm 1 within float rounding.</summary>
    public static void NormalizeInto(ReadOnlySpan<float> source, Span<float> destination)
    {
        var f = Dot(source, source);
        if (f is >= 1e-30f and <= 1e30f)
        {
            TensorPrimitives.Multiply(source, 1f / MathF.Sqrt(f), destination);
            return;
        }
        var inv = 1.0 / Math.Sqrt(ScalarDot(source, source));
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (float)(source[i] * inv);
        }
    }

    /// <summary>Smallest squared norm (Σxᵢ², computed in double) a vector may have under cosine: float's smallest
    /// normal value, 2⁻¹²⁶ ≈ 1.18e-38. Below it the squared norm underflows in float32 (components around 1e-20 or
    /// smaller in 128 dimensions, subnormal components): such a vector has no reliable direction and is refused.</summary>
    public const double MinCosineSquaredNorm = 1.1754943508222875e-38;

    /// <summary>SIMD check that every component is finite: x·0 is 0 for finite x and NaN for NaN or ±∞, so the
    /// accumulated sum stays 0 exactly when all are finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> vector)
    {
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(vector);
        var acc = Vector256<float>.Zero;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= vector.Length - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref start, (nuint)i) * Vector256<float>.Zero;
            }
        }
        var sum = HorizontalSum.Sum(acc);
        for (; i < vector.Length; i++)
        {
            sum += vector[i] * 0f;
        }
        return sum == 0f;
    }

    /// <summary>Span form of the squared-L2 kernel over the common length.</summary>
    public static float SquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            return SquaredL2(pa, pb, Math.Min(a.Length, b.Length));
        }
    }

    /// <summary>Span form of the dot-product kernel over the common length.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            return Dot(pa, pb, Math.Min(a.Length, b.Length));
        }
    }

    /// <summary>Reference squared L2 in double precision (tests only).</summary>
    public static double ScalarSquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /// <summary>Reference dot product in double precision (tests only).</summary>
    public static double ScalarDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }
        return s;
    }
}
