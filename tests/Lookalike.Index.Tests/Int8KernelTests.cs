using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Lookalike.Index.Distances;
using Lookalike.Index.Spaces;
using Xunit.Abstractions;

namespace Lookalike.Index.Tests;

/// <summary>The int8 kernels against the scalar reference. Only the widest path the machine has runs; the narrower
/// ones run with the JIT's ISA switches off, e.g. <c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c>,
/// <c>DOTNET_EnableHWIntrinsic=0</c> (the test output names the path).</summary>
public class Int8KernelTests(ITestOutputHelper output)
{
    private static sbyte[] RandomCodes(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(sbyte.MinValue, sbyte.MaxValue + 1)).ToArray();

    [Fact]
    public void Dot_EveryLength0To300_EqualsScalarReference()
    {
        // Arrange: full int8 range, including −128 and 127 (integer results, so the match is exact).
        output.WriteLine($"Avx512BW {Avx512BW.IsSupported}, Avx2 {Avx2.IsSupported}, Sse41 {Sse41.IsSupported}, Vector128 {Vector128.IsHardwareAccelerated}");
        var rng = new Random(8);
        for (var n = 0; n <= 300; n++)
        {
            var a = RandomCodes(rng, n);
            var b = RandomCodes(rng, n);

            // Act
            var actual = Int8Math.Dot(a, b);

            // Assert
            Assert.Equal(Int8Math.ScalarDot(a, b), actual);
        }
    }

    [Fact]
    public void SquaredL2_EveryLength0To300_EqualsScalarReference()
    {
        // Arrange
        var rng = new Random(9);
        for (var n = 0; n <= 300; n++)
        {
            var a = RandomCodes(rng, n);
            var b = RandomCodes(rng, n);

            // Act
            var actual = Int8Math.SquaredL2(a, b);

            // Assert
            Assert.Equal(Int8Math.ScalarSquaredL2(a, b), actual);
        }
    }

    [Fact]
    public void PortableVector128Paths_EveryLength0To300_EqualScalarReference()
    {
        // Arrange: the non-x86 path, run directly (x86 machines take the Avx512BW/Avx2/Sse41 paths).
        if (!Vector128.IsHardwareAccelerated)
        {
            return; // nothing to run (DOTNET_EnableHWIntrinsic=0); the scalar path is the reference itself
        }
        var rng = new Random(11);
        for (var n = 0; n <= 300; n++)
        {
            var a = RandomCodes(rng, n);
            var b = RandomCodes(rng, n);
            if (n % 50 == 0)
            {
                Array.Fill(a, sbyte.MinValue);
                Array.Fill(b, sbyte.MaxValue);
            }

            // Act + Assert
            Assert.Equal(Int8Math.ScalarDot(a, b), Int8Math.DotVector128(a, b));
            Assert.Equal(Int8Math.ScalarSquaredL2(a, b), Int8Math.SquaredL2Vector128(a, b));
        }
    }

    [Theory]
    [InlineData(sbyte.MinValue, sbyte.MinValue)]
    [InlineData(sbyte.MinValue, sbyte.MaxValue)]
    [InlineData(sbyte.MaxValue, sbyte.MaxValue)]
    public void Kernels_ExtremeValuesEveryLength0To300_EqualScalarReference(sbyte x, sbyte y)
    {
        for (var n = 0; n <= 300; n++)
        {
            // Arrange: constant vectors at the ends of the range (largest products and differences).
            var a = Enumerable.Repeat(x, n).ToArray();
            var b = Enumerable.Repeat(y, n).ToArray();

            // Act + Assert
            Assert.Equal(Int8Math.ScalarDot(a, b), Int8Math.Dot(a, b));
            Assert.Equal(Int8Math.ScalarSquaredL2(a, b), Int8Math.SquaredL2(a, b));
        }
    }

    [Fact]
    public void Kernels_MaxDimensionExtremes_DoNotOverflow()
    {
        // Arrange: 65,536 components, where Σ(aᵢ − bᵢ)² = 255²·n exceeds int.MaxValue.
        var n = HnswOptions.MaxDimension;
        var a = Enumerable.Repeat(sbyte.MinValue, n).ToArray();
        var b = Enumerable.Repeat(sbyte.MaxValue, n).ToArray();

        // Act + Assert
        Assert.Equal(255L * 255 * n, Int8Math.SquaredL2(a, b));
        Assert.Equal(128 * 128 * n, Int8Math.Dot(a, a));
        Assert.Equal(-128 * 127 * n, Int8Math.Dot(a, b));
    }

    [Fact]
    public void Dot_OffsetSlices_EqualScalarReference()
    {
        // Arrange: unaligned starts (the kernels load unaligned) and lengths around the vector widths.
        var rng = new Random(10);
        var a = RandomCodes(rng, 400);
        var b = RandomCodes(rng, 400);
        foreach (var start in new[] { 1, 3, 7, 31, 63 })
        {
            foreach (var n in new[] { 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 129, 300 })
            {
                // Act + Assert
                Assert.Equal(Int8Math.ScalarDot(a.AsSpan(start, n), b.AsSpan(start, n)), Int8Math.Dot(a.AsSpan(start, n), b.AsSpan(start, n)));
                Assert.Equal(Int8Math.ScalarSquaredL2(a.AsSpan(start, n), b.AsSpan(start, n)), Int8Math.SquaredL2(a.AsSpan(start, n), b.AsSpan(start, n)));
            }
        }
    }

    private static short[] RandomQuery(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => (short)rng.Next(-32767, 32768)).ToArray();

    [Fact]
    public void DotInt16_EveryLength0To300_EqualsScalarReference()
    {
        // Arrange: the asymmetric kernel (int16 query × int8 codes) over the full query range and codes −127…127,
        // plus the widest path's neighbours, the portable path (run directly) on the same inputs.
        var rng = new Random(12);
        for (var n = 0; n <= 300; n++)
        {
            var q = RandomQuery(rng, n);
            var c = Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
            var expected = Int8Math.ScalarDotInt16(q, c);

            // Act + Assert
            Assert.Equal(expected, Int8Math.Dot(q, c));
            if (Vector128.IsHardwareAccelerated)
            {
                Assert.Equal(expected, Int8Math.DotVector128(q, c));
            }
        }
    }

    [Theory]
    [InlineData((short)32767, (sbyte)127)]
    [InlineData((short)-32767, (sbyte)127)]
    [InlineData((short)-32767, (sbyte)-127)]
    public void DotInt16_ExtremeValuesEveryLength0To300_EqualsScalarReference(short x, sbyte y)
    {
        for (var n = 0; n <= 300; n++)
        {
            // Arrange: constant vectors at the ends of both ranges (largest vpmaddwd pairs: 2·32,767·127).
            var q = Enumerable.Repeat(x, n).ToArray();
            var c = Enumerable.Repeat(y, n).ToArray();

            // Act + Assert
            Assert.Equal(x * y * n, Int8Math.Dot(q, c));
            Assert.Equal(Int8Math.ScalarDotInt16(q, c), Int8Math.Dot(q, c));
        }
    }

    [Fact]
    public void DotInt16_OffsetSlices_EqualScalarReference()
    {
        // Arrange: unaligned starts and lengths around the vector widths (16 and 32 components).
        var rng = new Random(13);
        var q = RandomQuery(rng, 400);
        var c = Enumerable.Range(0, 400).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        foreach (var start in new[] { 1, 3, 7, 31, 63 })
        {
            foreach (var n in new[] { 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 129, 300 })
            {
                // Act + Assert
                Assert.Equal(Int8Math.ScalarDotInt16(q.AsSpan(start, n), c.AsSpan(start, n)), Int8Math.Dot(q.AsSpan(start, n), c.AsSpan(start, n)));
            }
        }
    }

    private static float[] RandomUnit(Random rng, int n)
    {
        var v = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return n == 0 ? v : v.Select(x => x / norm).ToArray();
    }

    [Fact]
    public unsafe void PrepareQuery_EveryLength0To300_EqualsScalarRounding()
    {
        // Arrange: unit vectors, plus components at ±1 and at exact .5 ties of the 32,767 scale.
        var rng = new Random(14);
        for (var n = 0; n <= 300; n++)
        {
            var x = RandomUnit(rng, n);
            if (n > 2)
            {
                x[0] = 1f;
                x[1] = -1f;
                x[2] = 0.5f / Int8CosineSpace.QueryScale;
            }
            var actual = new short[n + 1];
            actual[n] = 12345; // sentinel: nothing past n is written

            // Act
            fixed (short* p = actual)
            {
                Int8CosineSpace.PrepareQuery(x, (byte*)p);
            }

            // Assert
            for (var i = 0; i < n; i++)
            {
                Assert.Equal((short)Math.Clamp(MathF.Round(x[i] * Int8CosineSpace.QueryScale), -32767f, 32767f), actual[i]);
            }
            Assert.Equal(12345, actual[n]);
        }
    }

    [Fact]
    public unsafe void QueryDistance_IsCloserToCosineDistanceThanCodeToCode()
    {
        // Arrange: 400 random pairs of unit vectors at 128 dimensions (the descriptors' size).
        var rng = new Random(15);
        const int n = 128;
        double asymmetric = 0, symmetric = 0, worst = 0;
        var qa = new sbyte[n];
        var cb = new sbyte[n];
        var prepared = new short[n];
        for (var t = 0; t < 400; t++)
        {
            var a = RandomUnit(rng, n);
            var b = RandomUnit(rng, n);
            var exact = 1 - a.Zip(b, (x, y) => (double)x * y).Sum();
            float dq, ds;
            fixed (sbyte* pa = qa)
            fixed (sbyte* pb = cb)
            fixed (short* pq = prepared)
            {
                Int8CosineSpace.Quantize(a, (byte*)pa);
                Int8CosineSpace.Quantize(b, (byte*)pb);
                Int8CosineSpace.PrepareQuery(a, (byte*)pq);

                // Act
                dq = Int8CosineSpace.QueryDistance((byte*)pq, (byte*)pb, n);
                ds = Int8CosineSpace.Distance((byte*)pa, (byte*)pb, n);
            }
            asymmetric += Math.Abs(dq - exact);
            symmetric += Math.Abs(ds - exact);
            worst = Math.Max(worst, Math.Abs(dq - exact));
        }

        // Assert: only the stored side's rounding is left (each code's error ≤ 1/254, so |error| ≤ √n/254 + the
        // query's 1/65,534 per component); on average clearly below the code-to-code distance's error.
        output.WriteLine($"mean |error|: query–code {asymmetric / 400:E3}, code–code {symmetric / 400:E3}; worst query–code {worst:E3}");
        Assert.True(worst <= (Math.Sqrt(n) / 254) + (Math.Sqrt(n) / 65534) + 1e-5, $"worst {worst}");
        Assert.True(asymmetric < 0.85 * symmetric, $"query–code {asymmetric / 400}, code–code {symmetric / 400}");
    }
}
