using Lookalike.Index;

namespace Lookalike.Index.Tests;

public class HnswRemoveTests
{
    private const int Dim = 20;

    [Fact]
    public void Search_AfterRemovals_NeverReturnsRemovedAndReturnsMinKLive()
    {
        // Arrange
        const int N = 3000;
        var data = IndexTestData.Uniform(N, Dim, 60);
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.SquaredL2 });
        index.AddRange(IndexTestData.Labels(N), data, 1);
        var removed = new HashSet<long>();
        var rng = new Random(61);

        // Act + Assert: remove in rounds down to 5 live items, searching after each round.
        while (index.Count > 5)
        {
            var toRemove = Math.Min(index.Count - 5, Math.Max(1, index.Count / 3));
            var live = index.GetLabels().OrderBy(_ => rng.Next()).Take(toRemove).ToList();
            foreach (var label in live)
            {
                Assert.True(index.Remove(label));
                removed.Add(label);
            }
            for (var q = 0; q < 20; q++)
            {
                var result = index.Search(IndexTestData.Row(data, Dim, rng.Next(N)), 10, 10);
                Assert.Equal(Math.Min(10, index.Count), result.Count);
                Assert.DoesNotContain(result, n => removed.Contains(n.Label));
                IndexTestData.AssertWellFormed(result);
            }
        }
    }

    [Fact]
    public void Remove_AllThenAdd_ReusesSlotsAndFindsNewItems()
    {
        // Arrange
        const int N = 500;
        var data = IndexTestData.Uniform(2 * N, Dim, 62);
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.SquaredL2 });
        index.AddRange(IndexTestData.Labels(N), data.AsMemory(0, N * Dim), 1);

        // Act
        for (var i = 0; i < N; i++)
        {
            index.Remove(i);
        }
        var emptyResult = index.Search(IndexTestData.Row(data, Dim, 0), 5);
        index.AddRange(IndexTestData.Labels(N, N), data.AsMemory(N * Dim, N * Dim), 1);

        // Assert
        Assert.Empty(emptyResult);
        Assert.Equal(N, index.Count);
        Assert.Equal(N, index.SlotCount);
        Assert.False(index.Remove(0));
        var found = Enumerable.Range(N, N).Count(i => index.Search(IndexTestData.Row(data, Dim, i), 1, 64)[0].Label == i);
        Assert.True(found >= N * 0.98, $"{found}/{N} found themselves");
    }
}
