using Lookalike.Index;

namespace Lookalike.Index.Tests;

public class FlatIndexTests
{
    [Fact]
    public void Search_EqualDistances_SortedByLabel()
    {
        // Arrange: four points at the same distance from the query, added in scrambled label order.
        var index = new FlatIndex(2, DistanceMetric.SquaredL2);
        index.Add(9, [1, 0]);
        index.Add(3, [0, 1]);
        index.Add(7, [-1, 0]);
        index.Add(5, [0, -1]);
        index.Add(1, [3, 3]);

        // Act
        var result = index.Search([0, 0], 3);

        // Assert
        Assert.Equal(new long[] { 3, 5, 7 }, result.Select(r => r.Label));
        Assert.All(result, r => Assert.Equal(1f, r.Distance));
    }

    [Fact]
    public void Remove_MiddleRow_KeepsOtherLabelsSearchable()
    {
        // Arrange
        var index = new FlatIndex(3, DistanceMetric.Cosine);
        index.Add(1, [1, 0, 0]);
        index.Add(2, [0, 1, 0]);
        index.Add(3, [0, 0, 1]);

        // Act
        var removed = index.Remove(2);
        var result = index.Search([0, 2, 1], 5);

        // Assert
        Assert.True(removed);
        Assert.False(index.Contains(2));
        Assert.Equal(2, index.Count);
        Assert.Equal(new long[] { 3, 1 }, result.Select(r => r.Label));
        Assert.InRange(result[1].Distance, 0.999f, 1.001f);
    }

    [Fact]
    public void Search_KNotPositive_ThrowsArgumentOutOfRange()
    {
        // Arrange
        var index = new FlatIndex(2, DistanceMetric.SquaredL2);

        // Act + Assert
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([0, 0], 0)).ParamName);
        Assert.Empty(index.Search([0, 0], 3));
    }
}
