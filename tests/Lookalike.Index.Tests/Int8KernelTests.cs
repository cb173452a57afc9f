using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Lookalike.Index.Distances;
using Xunit.Abstractions;

namespace Lookalike.Index.Tests;

/// <summary>The int8 kernels against the scalar reference. Only the widest path the machine has runs; the narrower
/// ones run with the JIT's ISA switches off, e.g. <c>DOTNET_EnableAVX512F=0</c>, <c>DOTNET_EnableAVX2=0</c>,
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
}
