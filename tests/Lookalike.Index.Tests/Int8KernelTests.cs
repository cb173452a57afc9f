using Lookalike.Index.Distances;

namespace Lookalike.Index.Tests;

public class Int8KernelTests
{
    private static sbyte[] RandomCodes(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(sbyte.MinValue, sbyte.MaxValue + 1)).ToArray();

    [Fact]
    public void Dot_EveryLength0To300_EqualsScalarReference()
    {
        // Arrange: full int8 range, including −128 and 127 (integer results, so the match is exact).
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
