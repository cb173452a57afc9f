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
            sum = HorizontalSum.Sum(s0 + s1);
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
            sum = HorizontalSum.Sum(s0 + s1);
        }

        if (Avx2.IsSupported && i <= n - 16)
        {
            var a0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i));
            var b0 = Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
            sum += HorizontalSum.Sum(Avx2.MultiplyAddAdjacent(a0, b0));
            i += 16;
        }
        if (Sse41.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                var a0 = Sse41.ConvertToVector128Int16(Load8(a + i));
                var b0 = Sse41.ConvertToVector128Int16(Load8(b + i));
                sum += HorizontalSum.Sum(Sse2.MultiplyAddAdjacent(a0, b0));
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

    /// <summary>Dot product Σ qᵢ·cᵢ of an int16 vector <paramref name="q"/> (a query kept at 16-bit precision, the
    /// asymmetric distance of FAISS's <c>IndexScalarQuantizer</c> and USearch, where only the stored side is coded) and
    /// int8 codes <paramref name="c"/>, length <paramref name="n"/> (0 ≤ n ≤ 65,536). Only the codes are sign-extended
    /// (<c>vpmovsxbw</c>); the query is loaded as it is into <c>vpmaddwd</c>. O(n), no allocation.</summary>
    /// <remarks>Exact for |qᵢ| ≤ 32,767 and cᵢ ≠ −128: a <c>vpmaddwd</c> pair is at most 2·32,767·127 and no 32-bit lane
    /// can overflow for the unit-vector inputs of <see cref="Spaces.Int8CosineSpace"/> (by Cauchy–Schwarz every partial
    /// sum is at most ‖q‖·‖c‖ ≤ 32,767·(127 + √n/2) &lt; 2³¹); for arbitrary inputs the sum wraps as int arithmetic does,
    /// identically on every path and in <see cref="ScalarDotInt16"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Dot(short* q, sbyte* c, int n)
    {
        nint i = 0;
        var sum = 0;
        if (Avx512BW.IsSupported && n >= 32)
        {
            Vector512<int> s0 = Vector512<int>.Zero, s1 = Vector512<int>.Zero;
            for (; i <= n - 64; i += 64)
            {
                s0 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q + i), Avx512BW.ConvertToVector512Int16(Vector256.Load(c + i)));
                s1 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q + i + 32), Avx512BW.ConvertToVector512Int16(Vector256.Load(c + i + 32)));
            }
            if (i <= n - 32)
            {
                s0 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q + i), Avx512BW.ConvertToVector512Int16(Vector256.Load(c + i)));
                i += 32;
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }
        else if (Avx2.IsSupported && n >= 16)
        {
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero;
            for (; i <= n - 32; i += 32)
            {
                s0 += Avx2.MultiplyAddAdjacent(Vector256.Load(q + i), Avx2.ConvertToVector256Int16(Vector128.Load(c + i)));
                s1 += Avx2.MultiplyAddAdjacent(Vector256.Load(q + i + 16), Avx2.ConvertToVector256Int16(Vector128.Load(c + i + 16)));
            }
            sum = HorizontalSum.Sum(s0 + s1);
        }

        if (Avx2.IsSupported && i <= n - 16)
        {
            sum += HorizontalSum.Sum(Avx2.MultiplyAddAdjacent(Vector256.Load(q + i), Avx2.ConvertToVector256Int16(Vector128.Load(c + i))));
            i += 16;
        }
        if (Sse41.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                sum += HorizontalSum.Sum(Sse2.MultiplyAddAdjacent(Vector128.Load(q + i), Sse41.ConvertToVector128Int16(Load8(c + i))));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            return sum + DotVector128(q + i, c + i, n - (int)i);
        }
        for (; i < n; i++)
        {
            sum += q[i] * c[i];
        }
        return sum;
    }

    /// <summary>The portable path of <see cref="Dot(short*, sbyte*, int)"/>: codes widened to 16 bits, then both sides
    /// to 32 bits before the multiply (a 16×8-bit product overflows a short), then a scalar tail. Internal for the tests;
    /// needs <see cref="Vector128.IsHardwareAccelerated"/>.</summary>
    internal static int DotVector128(short* q, sbyte* c, int n)
    {
        nint i = 0;
        var acc = Vector128<int>.Zero;
        for (; i <= n - 8; i += 8)
        {
            var (q0, q1) = Vector128.Widen(Vector128.Load(q + i));
            var (c0, c1) = Vector128.Widen(Vector128.Widen(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(c + i)).AsSByte()).Lower);
            acc += (q0 * c0) + (q1 * c1);
        }
        var sum = HorizontalSum.Sum(acc);
        for (; i < n; i++)
        {
            sum += q[i] * c[i];
        }
        return sum;
    }

    /// <summary>Reference int16 × int8 dot product: one scalar loop, no SIMD.</summary>
    public static int ScalarDotInt16(ReadOnlySpan<short> q, ReadOnlySpan<sbyte> c)
    {
        var s = 0;
        for (var i = 0; i < q.Length; i++)
        {
            s += q[i] * c[i];
        }
        return s;
    }

    /// <summary>As <see cref="Dot(short*, sbyte*, int)"/> over spans of equal length (tests, cold paths).</summary>
    public static int Dot(ReadOnlySpan<short> q, ReadOnlySpan<sbyte> c)
    {
        fixed (short* pq = q)
        fixed (sbyte* pc = c)
        {
            return Dot(pq, pc, q.Length);
        }
    }

    /// <summary>As <see cref="DotVector128(short*, sbyte*, int)"/> over spans of equal length (tests).</summary>
    internal static int DotVector128(ReadOnlySpan<short> q, ReadOnlySpan<sbyte> c)
    {
        fixed (short* pq = q)
        fixed (sbyte* pc = c)
        {
            return DotVector128(pq, pc, q.Length);
        }
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
        var sum = HorizontalSum.Sum(acc);
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
            sum += HorizontalSum.Sum(Avx2.MultiplyAddAdjacent(d0, d0));
            i += 16;
        }
        if (Sse41.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                var d0 = Sse41.ConvertToVector128Int16(Load8(a + i)) - Sse41.ConvertToVector128Int16(Load8(b + i));
                sum += HorizontalSum.Sum(Sse2.MultiplyAddAdjacent(d0, d0));
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
            sum += HorizontalSum.Sum((d0 * d0) + (d1 * d1) + (d2 * d2) + (d3 * d3));
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
