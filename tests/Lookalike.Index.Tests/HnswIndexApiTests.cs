using Lookalike.Index;

namespace Lookalike.Index.Tests;

public class HnswIndexApiTests
{
    private const int Dim = 16;

    private static HnswIndex Build(int n, DistanceMetric metric = DistanceMetric.SquaredL2, int seed = 7, int initialCapacity = 1024)
    {
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = metric, InitialCapacity = initialCapacity });
        var data = IndexTestData.Uniform(n, Dim, seed);
        for (var i = 0; i < n; i++)
        {
            index.Add(i, IndexTestData.Row(data, Dim, i));
        }
        return index;
    }

    [Fact]
    public void Search_EmptyIndex_ReturnsEmpty()
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });

        // Act
        var result = index.Search(new float[Dim].Select((_, i) => (float)i + 1).ToArray(), 5);

        // Assert
        Assert.Empty(result);
        Assert.Null(index.EntryPoint);
        Assert.Empty(index.GetLayerCounts());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Search_KNotPositive_ThrowsArgumentOutOfRangeNamingK(int k)
    {
        // Arrange
        var index = Build(10);

        // Act
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[Dim], k));

        // Assert
        Assert.Equal("k", ex.ParamName);
    }

    [Fact]
    public void Search_KAboveCount_ReturnsCountResults()
    {
        // Arrange
        var index = Build(7);

        // Act
        var result = index.Search(IndexTestData.Uniform(1, Dim, 99), 50);

        // Assert
        Assert.Equal(7, result.Count);
        IndexTestData.AssertWellFormed(result);
    }

    [Fact]
    public void Search_EfBelowK_IsRaisedToK()
    {
        // Arrange
        var index = Build(300);

        // Act
        var result = index.Search(IndexTestData.Uniform(1, Dim, 5), 20, efSearch: 1);

        // Assert
        Assert.Equal(20, result.Count);
        IndexTestData.AssertWellFormed(result);
    }

    [Fact]
    public void Search_StoredVector_FindsItselfFirstAtDistanceZero()
    {
        // Arrange
        var data = IndexTestData.Uniform(500, Dim, 7);
        var index = Build(500);

        // Act + Assert
        for (var i = 0; i < 500; i += 37)
        {
            var top = index.Search(IndexTestData.Row(data, Dim, i), 1)[0];
            Assert.Equal(i, top.Label);
            Assert.Equal(0f, top.Distance, 1e-5f);
        }
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(512)]
    public void Add_WrongDimension_ThrowsNamingBothSizes(int length)
    {
        // Arrange
        var index = Build(3);

        // Act
        var ex = Assert.Throws<ArgumentException>(() => index.Add(99, new float[length]));

        // Assert
        Assert.Contains($"expected {Dim} dimensions, got {length}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void Add_InfinityComponent_ThrowsNamingLabelAndComponent()
    {
        // Arrange
        var index = Build(3);
        var v = new float[Dim];
        v[5] = float.PositiveInfinity;

        // Act
        var ex = Assert.Throws<ArgumentException>(() => index.Add(42, v));

        // Assert
        Assert.Contains("label 42", ex.Message, StringComparison.Ordinal);
        Assert.Contains("component 5", ex.Message, StringComparison.Ordinal);
        Assert.False(index.Contains(42));
    }

    [Fact]
    public void Add_ZeroVectorUnderCosine_Throws()
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.Cosine });

        // Act + Assert
        Assert.Throws<ArgumentException>(() => index.Add(1, new float[Dim]));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Add_ExistingLabel_ReplacesVector()
    {
        // Arrange
        var index = Build(100);
        var v = Enumerable.Repeat(5f, Dim).ToArray();

        // Act
        index.Add(3, v);
        var top = index.Search(v, 1)[0];

        // Assert
        Assert.Equal(100, index.Count);
        Assert.Equal(3, top.Label);
        Assert.Equal(0f, top.Distance);
    }

    [Fact]
    public void Search_Filter_ReturnsOnlyAcceptedLabels()
    {
        // Arrange
        var index = Build(400);

        // Act
        var even = index.Search(IndexTestData.Uniform(1, Dim, 11), 10, 50, l => l % 2 == 0);
        var none = index.Search(IndexTestData.Uniform(1, Dim, 11), 10, 50, _ => false);

        // Assert
        Assert.Equal(10, even.Count);
        Assert.All(even, n => Assert.Equal(0, n.Label % 2));
        Assert.Empty(none);
    }

    [Fact]
    public void Constructor_CapacityZero_ThrowsArgumentOutOfRange()
    {
        // Act
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(new HnswOptions { Dimension = Dim, InitialCapacity = 0 }));

        // Assert
        Assert.Equal("InitialCapacity", ex.ParamName);
    }

    [Fact]
    public void Introspection_AfterBuild_DescribesGraph()
    {
        // Arrange
        var index = Build(2000);

        // Act
        var counts = index.GetLayerCounts();
        var entry = index.EntryPoint!.Value;
        var top = index.GetLevel(entry);
        var neighbours = index.GetNeighbors(entry, 0);

        // Assert
        Assert.Equal(2000, counts[0]);
        Assert.Equal(counts.Count - 1, top);
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.First >= p.Second));
        Assert.InRange(neighbours.Count, 1, 32);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetNeighbors(entry, top + 1));
        Assert.Throws<KeyNotFoundException>(() => index.GetLevel(-5));
    }

    [Fact]
    public void SearchWithTrace_AnyQuery_SameResultsAsSearchAndLayersTopDown()
    {
        // Arrange
        var index = Build(3000);
        var q = IndexTestData.Uniform(1, Dim, 8);

        // Act
        var plain = index.Search(q, 10, 40, null, out var stats);
        var trace = index.SearchWithTrace(q, 10, 40);

        // Assert
        Assert.Equal(plain, trace.Results);
        Assert.Equal(index.GetLayerCounts().Count, trace.Layers.Count);
        Assert.Equal(Enumerable.Range(0, trace.Layers.Count).Reverse(), trace.Layers.Select(l => l.Layer));
        Assert.Equal(stats.DistanceComputations, trace.DistanceComputations);
        Assert.Equal(trace.DistanceComputations, trace.Layers.Sum(l => l.DistanceComputations));
        Assert.Equal(index.EntryPoint, trace.EntryPoint);
        Assert.Equal(trace.EntryPoint, trace.Layers[0].Path[0]);
    }

    [Fact]
    public void Search_SpanOverload_MatchesListOverload()
    {
        // Arrange
        var index = Build(1000);
        var q = IndexTestData.Uniform(1, Dim, 12);
        var buffer = new Neighbor[10];

        // Act
        var n = index.Search(q, buffer, 30);
        var list = index.Search(q, 10, 30);

        // Assert
        Assert.Equal(list, buffer.Take(n));
    }

    [Theory]
    [InlineData(DistanceMetric.SquaredL2)]
    [InlineData(DistanceMetric.Cosine)]
    public void Search_SpanOverloadAfterWarmUp_AllocatesNothing(DistanceMetric metric)
    {
        // Arrange
        var index = Build(2000, metric);
        var queries = IndexTestData.Uniform(50, Dim, 13);
        var buffer = new Neighbor[10];
        for (var i = 0; i < 50; i++)
        {
            index.Search(IndexTestData.Row(queries, Dim, i), buffer, 40);
        }

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            index.Search(IndexTestData.Row(queries, Dim, i), buffer, 40);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Add_SameSeedSameOrder_BuildsSameGraph()
    {
        // Arrange
        var a = Build(1500, seed: 3);
        var b = Build(1500, seed: 3);

        // Act + Assert
        Assert.Equal(a.EntryPoint, b.EntryPoint);
        Assert.Equal(a.GetLayerCounts(), b.GetLayerCounts());
        for (var label = 0; label < 1500; label += 101)
        {
            Assert.Equal(a.GetNeighbors(label, 0), b.GetNeighbors(label, 0));
        }
    }

    [Fact]
    public void AddRange_Batch_ReportsProgressAndMatchesCount()
    {
        // Arrange
        const int N = 2500;
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.Cosine, InitialCapacity = 16 });
        var data = IndexTestData.Uniform(N, Dim, 4);
        var reports = new List<int>();
        var progress = new SynchronousProgress(reports);

        // Act
        index.AddRange(IndexTestData.Labels(N), data, maxDegreeOfParallelism: 2, progress);

        // Assert
        Assert.Equal(N, index.Count);
        Assert.Equal(N, reports.Max());
        var v = new float[Dim];
        Assert.True(index.TryGetVector(17, v));
        Assert.Equal(1f, MathF.Sqrt(v.Sum(x => x * x)), 1e-5f);
    }

    [Fact]
    public void AddRange_BadRow_InsertsNothing()
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });
        var data = IndexTestData.Uniform(10, Dim, 4);
        data[(7 * Dim) + 3] = float.NaN;

        // Act
        var ex = Assert.Throws<ArgumentException>(() => index.AddRange(IndexTestData.Labels(10), data));

        // Assert
        Assert.Contains("label 7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("component 3 is NaN", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void AddRange_Cancelled_ThrowsOperationCanceled()
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        // Act + Assert
        Assert.ThrowsAny<OperationCanceledException>(() =>
            index.AddRange(IndexTestData.Labels(100), IndexTestData.Uniform(100, Dim, 1), 2, null, cts.Token));
    }

    private sealed class SynchronousProgress(List<int> reports) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
