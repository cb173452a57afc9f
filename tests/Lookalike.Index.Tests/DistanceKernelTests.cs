using Lookalike.Index;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Tests;

public class DistanceKernelTests
{
    private const double RelativeTolerance = 1e-5;

    [Fact]
    public void SquaredL2_EveryLength0To300_MatchesScalarReference()
    {
        // Arrange
        var rng = new Random(1);
        for (var n = 0; n <= 300; n++)
        {
            // Exact-length arrays so a kernel that reads past the end would see other data (or fault under a guard page).
            var a = Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var expected = VectorMath.ScalarSquaredL2(a, b);

            // Act
            var actual = VectorMath.SquaredL2(a, b);

            // Assert
            Assert.True(Math.Abs(actual - expected) <= (RelativeTolerance * Math.Max(1, expected)), $"n={n}: {actual} vs {expected}");
        }
    }

    [Fact]
    public void Dot_EveryLength0To300_MatchesScalarReference()
    {
        // Arrange
        var rng = new Random(2);
        for (var n = 0; n <= 300; n++)
        {
            var a = Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var expected = VectorMath.ScalarDot(a, b);
            var scale = VectorMath.ScalarDot(a, a) + VectorMath.ScalarDot(b, b);

            // Act
            var actual = VectorMath.Dot(a, b);

            // Assert
            Assert.True(Math.Abs(actual - expected) <= (RelativeTolerance * Math.Max(1, scale)), $"n={n}: {actual} vs {expected}");
        }
    }

    [Theory]
    [InlineData(DistanceMetric.SquaredL2)]
    [InlineData(DistanceMetric.Cosine)]
    [InlineData(DistanceMetric.InnerProduct)]
    public void Search_EveryMetric_DistanceMatchesDefinition(DistanceMetric metric)
    {
        // Arrange
        const int Dim = 37;
        var data = IndexTestData.Uniform(2, Dim, 3);
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = metric });
        index.Add(1, IndexTestData.Row(data, Dim, 0));
        var a = IndexTestData.Row(data, Dim, 0).ToArray();
        var q = IndexTestData.Row(data, Dim, 1).ToArray();
        var expected = metric switch
        {
            DistanceMetric.SquaredL2 => VectorMath.ScalarSquaredL2(a, q),
            DistanceMetric.Cosine => 1 - (VectorMath.ScalarDot(a, q) / Math.Sqrt(VectorMath.ScalarDot(a, a) * VectorMath.ScalarDot(q, q))),
            _ => 1 - VectorMath.ScalarDot(a, q),
        };

        // Act
        var result = index.Search(q, 1);

        // Assert
        Assert.Equal(expected, result[0].Distance, 1e-4);
    }
}
