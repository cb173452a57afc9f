using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lookalike.Index.Distances;

/// <summary>SIMD kernels over signed-byte vectors (int8 codes, <see cref="Spaces.Int8CosineSpace"/>): exact integer
/// results, so every path (AVX-512BW → AVX2 → SSE4.1 → portable <see cref="Vector128"/> → scalar) gives the same
/// answer as <see cref="ScalarDot"/> / <see cref="ScalarSquaredL2"/> at every length. The x86 paths sign-extend bytes to
/// 16 bits (<c>vpmovsxbw</c>) and use the widening multiply-add <c>vpmaddwd</c> (pairs of 16×16-bit products summed into
/// 32-bit lanes), as FAISS's and USearch's int8 kernels; the tail is scalar, so nothing past <c>n</c> is read.</summary>
/// <remarks>Ranges: |a·b| ≤ 128²·n ≤ 2³⁰ for n ≤ <see cref="HnswOptions.MaxDimension"/> (65,536), so the dot product
/// fits an <see cref="int"/>; Σ(aᵢ − bᵢ)² ≤ 255²·n can exceed <see cref="int.MaxValue"/> and is returned as a
/// <see cref="long"/> (each 32-bit lane sums at most n/8 products of ≤ 2·255², far from overflow).</remarks>
internal static unsafe class Int8Math
{
    /// <summary>Dot product Σ aᵢ·bᵢ of two int8 vectors of length <paramref name="n"/> (0 ≤ n ≤ 65,536). O(n), no allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Dot(sbyte* a, sbyte* b, int n)
    {
        nint i = 0;
        var sum = 0;
        if (Avx512BW.IsSupported && n >= 32)
        {
            Vector512<int> s0 = Vector512<int>.Zero, s1 = Vector512<int>.Zero;
            for (; i <= n - 64; i += 64)
            {
                var a0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i));
                var b0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i));
                var a1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i + 32));
                var b1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i + 32));
                s0 += Avx512BW.MultiplyAddAdjacent(a0, b0);
                s1 += Avx512BW.MultiplyAddAdjacent(a1, b1);
            }
            if (i <= n - 32)
            {
                var a0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i));
                var b0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i));
                s0 += Avx512BW.MultiplyAddAdjacent(a0, b0);
                i += 32;
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else if (Avx2.IsSupported && n >= 16)
        {
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero;
            for (; i <= n - 32; i += 32)
            {
                var a0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i));
                var b0 = Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
                var a1 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i + 16));
                var b1 = Avx2.ConvertToVector256Int16(Vector128.Load(b + i + 16));
                s0 += Avx2.MultiplyAddAdjacent(a0, b0);
                s1 += Avx2.MultiplyAddAdjacent(a1, b1);
            }
            sum = Vector256.Sum(s0 + s1);
        }

        if (Avx2.IsSupported && i <= n - 16)
        {
            var a0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i));
            var b0 = Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
            sum += Vector256.Sum(Avx2.MultiplyAddAdjacent(a0, b0));
            i += 16;
        }
        if (Sse41.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                var a0 = Sse41.ConvertToVector128Int16(Load8(a + i));
                var b0 = Sse41.ConvertToVector128Int16(Load8(b + i));
                sum += Vector128.Sum(Sse2.MultiplyAddAdjacent(a0, b0));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            return sum + DotVector128(a + i, b + i, n - (int)i);
        }
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>The portable path of <see cref="Dot(sbyte*, sbyte*, int)"/> (ARM64 and other non-x86 targets):
    /// <see cref="Vector128.Widen(Vector128{sbyte})"/> to 16 bits, multiply, widen the products to 32 bits, then a
    /// scalar tail. Internal so that the tests run it on x86 too; needs <see cref="Vector128.IsHardwareAccelerated"/>.</summary>
    internal static int DotVector128(sbyte* a, sbyte* b, int n)
    {
        nint i = 0;
        var acc = Vector128<int>.Zero;
        for (; i <= n - 16; i += 16)
        {
            var (alo, ahi) = Vector128.Widen(Vector128.Load(a + i));
            var (blo, bhi) = Vector128.Widen(Vector128.Load(b + i));
            // |product| ≤ 128² fits a short; widen the products to int before summing.
            var (p0, p1) = Vector128.Widen(alo * blo);
            var (p2, p3) = Vector128.Widen(ahi * bhi);
            acc += (p0 + p1) + (p2 + p3);
        }
        var sum = Vector128.Sum(acc);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>Squared Euclidean distance Σ(aᵢ − bᵢ)² of two int8 vectors of length <paramref name="n"/>
    /// (0 ≤ n ≤ 65,536). O(n), no allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static long SquaredL2(sbyte* a, sbyte* b, int n)
    {
        nint i = 0;
        long sum = 0;
        if (Avx512BW.IsSupported && n >= 32)
        {
            Vector512<int> s0 = Vector512<int>.Zero, s1 = Vector512<int>.Zero;
            for (; i <= n - 64; i += 64)
            {
                var d0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i)) - Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i));
                var d1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i + 32)) - Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i + 32));
                s0 += Avx512BW.MultiplyAddAdjacent(d0, d0);
                s1 += Avx512BW.MultiplyAddAdjacent(d1, d1);
            }
            if (i <= n - 32)
            {
                var d0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i)) - Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i));
                s0 += Avx512BW.MultiplyAddAdjacent(d0, d0);
                i += 32;
            }
            sum = SumWide(s0) + SumWide(s1);
        }
        else if (Avx2.IsSupported && n >= 16)
        {
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
                var d1 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i + 16)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i + 16));
                s0 += Avx2.MultiplyAddAdjacent(d0, d0);
                s1 += Avx2.MultiplyAddAdjacent(d1, d1);
            }
            sum = SumWide(s0) + SumWide(s1);
        }

        if (Avx2.IsSupported && i <= n - 16)
        {
            var d0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
            sum += Vector256.Sum(Avx2.MultiplyAddAdjacent(d0, d0));
            i += 16;
        }
        if (Sse41.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                var d0 = Sse41.ConvertToVector128Int16(Load8(a + i)) - Sse41.ConvertToVector128Int16(Load8(b + i));
                sum += Vector128.Sum(Sse2.MultiplyAddAdjacent(d0, d0));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            return sum + SquaredL2Vector128(a + i, b + i, n - (int)i);
        }
        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>The portable path of <see cref="SquaredL2(sbyte*, sbyte*, int)"/>: bytes widened to 32 bits before the
    /// difference is squared (255² overflows a short), then a scalar tail. Internal for the tests, as
    /// <see cref="DotVector128(sbyte*, sbyte*, int)"/>.</summary>
    internal static long SquaredL2Vector128(sbyte* a, sbyte* b, int n)
    {
        nint i = 0;
        long sum = 0;
        for (; i <= n - 16; i += 16)
        {
            var (alo, ahi) = Vector128.Widen(Vector128.Load(a + i));
            var (blo, bhi) = Vector128.Widen(Vector128.Load(b + i));
            var (a0, a1) = Vector128.Widen(alo);
            var (a2, a3) = Vector128.Widen(ahi);
            var (b0, b1) = Vector128.Widen(blo);
            var (b2, b3) = Vector128.Widen(bhi);
            var d0 = a0 - b0;
            var d1 = a1 - b1;
            var d2 = a2 - b2;
            var d3 = a3 - b3;
            sum += Vector128.Sum((d0 * d0) + (d1 * d1) + (d2 * d2) + (d3 * d3));
        }
        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Reference dot product: one scalar loop, no SIMD.</summary>
    public static int ScalarDot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    /// <summary>Reference squared Euclidean distance: one scalar loop, no SIMD.</summary>
    public static long ScalarSquaredL2(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        long s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /// <summary>As <see cref="Dot(sbyte*, sbyte*, int)"/> over spans of equal length (tests, cold paths).</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        fixed (sbyte* pa = a)
        fixed (sbyte* pb = b)
        {
            return Dot(pa, pb, a.Length);
        }
    }

    /// <summary>As <see cref="SquaredL2(sbyte*, sbyte*, int)"/> over spans of equal length (tests, cold paths).</summary>
    public static long SquaredL2(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        fixed (sbyte* pa = a)
        fixed (sbyte* pb = b)
        {
            return SquaredL2(pa, pb, a.Length);
        }
    }

    /// <summary>As <see cref="DotVector128(sbyte*, sbyte*, int)"/> over spans of equal length (tests).</summary>
    internal static int DotVector128(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        fixed (sbyte* pa = a)
        fixed (sbyte* pb = b)
        {
            return DotVector128(pa, pb, a.Length);
        }
    }

    /// <summary>As <see cref="SquaredL2Vector128(sbyte*, sbyte*, int)"/> over spans of equal length (tests).</summary>
    internal static long SquaredL2Vector128(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        fixed (sbyte* pa = a)
        fixed (sbyte* pb = b)
        {
            return SquaredL2Vector128(pa, pb, a.Length);
        }
    }

    /// <summary>8 bytes into the low half of a 128-bit vector (the SSE4.1 sign extension reads only those).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Load8(sbyte* p) => Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(p)).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SumWide(Vector512<int> v)
    {
        var (lo, hi) = Vector512.Widen(v);
        return Vector512.Sum(lo + hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SumWide(Vector256<int> v)
    {
        var (lo, hi) = Vector256.Widen(v);
        return Vector256.Sum(lo + hi);
    }
}
