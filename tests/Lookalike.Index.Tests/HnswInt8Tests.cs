using Lookalike.Index;
using Xunit.Abstractions;

namespace Lookalike.Index.Tests;

public sealed class HnswInt8Tests(ITestOutputHelper output) : IDisposable
{
    private const int Dim = 128;
    private readonly string dir = Directory.CreateTempSubdirectory("lookalike-int8-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static HnswIndex Build(float[] data, int n, Quantization quantization, int dim = Dim) =>
        BuildWith(new HnswOptions { Dimension = dim, Quantization = quantization, InitialCapacity = n }, data, n);

    /// <summary>Exact cosine search over the first <paramref name="n"/> rows of <paramref name="data"/>, labels 0…n−1.</summary>
    private static FlatIndex CosineFlat(float[] data, int n, int dim)
    {
        var flat = new FlatIndex(dim, DistanceMetric.Cosine);
        for (var i = 0; i < n; i++)
        {
            flat.Add(i, IndexTestData.Row(data, dim, i));
        }
        return flat;
    }

    private static HnswIndex BuildWith(HnswOptions options, float[] data, int n)
    {
        var index = new HnswIndex(options);
        index.AddRange(IndexTestData.Labels(n), data.AsMemory(0, n * options.Dimension));
        return index;
    }

    [Theory]
    [InlineData(DistanceMetric.SquaredL2)]
    [InlineData(DistanceMetric.InnerProduct)]
    public void Constructor_Int8WithNonCosineMetric_ThrowsNamingQuantization(DistanceMetric metric)
    {
        // Act
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new HnswIndex(new HnswOptions { Dimension = 8, Metric = metric, Quantization = Quantization.Int8 }));

        // Assert
        Assert.Equal(nameof(HnswOptions.Quantization), ex.ParamName);
    }

    [Fact]
    public void Search_Int8ClusteredUnit128d_RecallWithin0005OfFloatAtSameEf()
    {
        // Arrange: 10,000 unit vectors in 100 clusters (as HnswRecallTests), cosine, M 16, efConstruction 200.
        const int N = 10_000, Queries = 300, K = 10;
        var all = IndexTestData.Clustered(N + Queries, Dim, 100, 0.06f, 128);
        var f32 = Build(all, N, Quantization.None);
        var i8 = Build(all, N, Quantization.Int8);
        var flat = CosineFlat(all, N, Dim);
        var truth = Enumerable.Range(0, Queries).Select(q => flat.Search(IndexTestData.Row(all, Dim, N + q), K)).ToArray();

        foreach (var ef in new[] { 10, 16, 32, 64, 128 })
        {
            // Act
            double recallF32 = 0, recallI8 = 0;
            for (var q = 0; q < Queries; q++)
            {
                var query = IndexTestData.Row(all, Dim, N + q);
                recallF32 += IndexTestData.Overlap(f32.Search(query, K, ef), truth[q]);
                recallI8 += IndexTestData.Overlap(i8.Search(query, K, ef), truth[q]);
            }
            recallF32 /= Queries;
            recallI8 /= Queries;

            // Assert
            output.WriteLine($"ef {ef}: recall@10 int8 {recallI8:F4}, float {recallF32:F4}");
            Assert.True(recallI8 >= recallF32 - 0.005, $"ef {ef}: recall@10 int8 {recallI8:F4} vs float {recallF32:F4}");
        }
    }

    [Fact]
    public void Search_Int8_ReturnsExactCosineDistancesSortedAsFlat()
    {
        // Arrange
        const int N = 2_000, K = 10;
        var all = IndexTestData.Clustered(N + 20, Dim, 20, 0.06f, 5);
        var i8 = Build(all, N, Quantization.Int8);
        var flat = CosineFlat(all, N, Dim);

        // Act + Assert: ef 400 makes the graph walk exhaustive enough that the re-ranked top 10 is the exact top 10,
        // same labels, and distances from the float32 vectors (not the codes).
        AssertExhaustiveSearchIsFlat(i8, flat, all, N, Dim, K, queries: 20, compareLabels: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(130)]
    [InlineData(300)]
    public void Search_Int8OddDimensions_ExhaustiveEfGivesFlatTopK(int dim)
    {
        // Arrange: dimensions off the kernels' vector widths (the int16 query's 16-lane preparation, the 32/64-lane
        // int8 loops and their scalar tails), 300 vectors, ef above n so the walk reaches every node.
        const int N = 300, K = 5;
        var all = IndexTestData.Uniform(N + 10, dim, 40 + dim);
        var i8 = Build(all, N, Quantization.Int8, dim);
        var flat = CosineFlat(all, N, dim);

        // Act + Assert: the exact top k (dim 1 has only two directions, so there the distances decide, not the labels).
        AssertExhaustiveSearchIsFlat(i8, flat, all, N, dim, K, queries: 10, compareLabels: dim > 1);
    }

    [Fact]
    public void Build_Int8TightClusters_EveryNodeHasAnInLinkAndExhaustiveSearchIsFlat()
    {
        // Arrange: 2,500 unit vectors in 25 clusters of σ 0.014 per component (32-D): neighbours inside a cluster are
        // about as far apart as one rounding step of the codes. Linked on code distances, the heuristic pruned most links
        // there: 124 nodes of this set had no in-link on layer 0, so no walk could reach them. The graph is now linked on
        // the exact copies.
        const int N = 2_500, Dim = 32, K = 10, Queries = 50;
        var all = IndexTestData.Clustered(N + Queries, Dim, 25, 0.014f, 61);
        var i8 = new HnswIndex(new HnswOptions { Dimension = Dim, Quantization = Quantization.Int8, EfConstruction = 100, InitialCapacity = N });
        var f32 = new HnswIndex(new HnswOptions { Dimension = Dim, EfConstruction = 100, InitialCapacity = N });

        // Act: sequential builds (deterministic, the same levels for both).
        i8.AddRange(IndexTestData.Labels(N), all.AsMemory(0, N * Dim), maxDegreeOfParallelism: 1);
        f32.AddRange(IndexTestData.Labels(N), all.AsMemory(0, N * Dim), maxDegreeOfParallelism: 1);

        // Assert: every node is linked to on layer 0, the int8 graph's lists are as long as float's, and a walk at
        // ef = n returns the flat top k.
        var inLinks = new int[N];
        double degreeI8 = 0, degreeF32 = 0;
        for (var label = 0L; label < N; label++)
        {
            var neighbours = i8.GetNeighbors(label, 0);
            degreeI8 += neighbours.Count;
            degreeF32 += f32.GetNeighbors(label, 0).Count;
            foreach (var n in neighbours)
            {
                inLinks[n]++;
            }
        }
        Assert.Equal(0, inLinks.Count(c => c == 0));
        Assert.True(degreeI8 >= 0.95 * degreeF32, $"mean layer-0 out-degree int8 {degreeI8 / N:F1}, float {degreeF32 / N:F1}");
        var flat = CosineFlat(all, N, Dim);
        for (var q = 0; q < Queries; q++)
        {
            var query = IndexTestData.Row(all, Dim, N + q);
            var actual = i8.Search(query, K, N);
            var expected = flat.Search(query, K);
            Assert.Equal(expected.Select(x => x.Label).Order(), actual.Select(x => x.Label).Order());
        }
    }

    /// <summary>Searches rows n… of <paramref name="data"/> at ef 400 and checks the results against the flat top k:
    /// well formed, distances within 1e-5 and, with <paramref name="compareLabels"/>, the same labels in order.</summary>
    private static void AssertExhaustiveSearchIsFlat(HnswIndex index, FlatIndex flat, float[] data, int n, int dim, int k, int queries, bool compareLabels)
    {
        for (var q = 0; q < queries; q++)
        {
            var query = IndexTestData.Row(data, dim, n + q);
            var actual = index.Search(query, k, 400);
            var expected = flat.Search(query, k);

            IndexTestData.AssertWellFormed(actual);
            if (compareLabels)
            {
                Assert.Equal(expected.Select(x => x.Label), actual.Select(x => x.Label));
            }
            for (var j = 0; j < k; j++)
            {
                Assert.Equal(expected[j].Distance, actual[j].Distance, 1e-5f);
            }
        }
    }

    [Fact]
    public void TryGetVector_Int8_ReturnsTheNormalisedFloatVector()
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = 4, Quantization = Quantization.Int8 });
        index.Add(7, [3f, 0f, 4f, 0f]);
        var v = new float[4];

        // Act
        var found = index.TryGetVector(7, v);

        // Assert: exactly 0.6 and 0.8 (float32), not the decoded codes 76/127 and 102/127.
        Assert.True(found);
        Assert.Equal(new[] { 0.6f, 0f, 0.8f, 0f }, v);
    }

    [Fact]
    public void Add_Int8ReplaceAndReuseSlot_SearchFindsNewVector()
    {
        // Arrange
        var all = IndexTestData.Clustered(500, 16, 5, 0.1f, 3);
        var index = BuildWith(new HnswOptions { Dimension = 16, Quantization = Quantization.Int8, M = 8 }, all, 500);
        var v = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? 1f : -1f).ToArray();

        // Act: label 10 removed, then a new label takes its slot.
        index.Remove(10);
        index.Add(9_999, v);
        var hit = index.Search(v, 1, 50);

        // Assert
        Assert.Equal(500, index.SlotCount);
        Assert.Equal(9_999, hit[0].Label);
        Assert.Equal(0f, hit[0].Distance, 1e-6f);
    }

    [Fact]
    public void MemoryBytes_Int8_RecordsSmallerExactCopyOutside()
    {
        // Arrange + Act
        var all = IndexTestData.Clustered(1_000, Dim, 10, 0.06f, 4);
        var f32 = Build(all, 1_000, Quantization.None);
        var i8 = Build(all, 1_000, Quantization.Int8);

        // Assert: float records are 704 B (512 B vector), int8 records 320 B plus a 512 B float copy.
        Assert.Equal(1_000, i8.Count);
        Assert.True(i8.MemoryBytes > f32.MemoryBytes, $"{i8.MemoryBytes} vs {f32.MemoryBytes}");
        Assert.True(i8.MemoryBytes < f32.MemoryBytes * 1.3, $"{i8.MemoryBytes} vs {f32.MemoryBytes}");
    }

    [Fact]
    public void SaveLoad_Int8RoundTrip_ReturnsIdenticalResultsAndOptions()
    {
        // Arrange
        const int N = 1_500;
        var all = IndexTestData.Clustered(N + 30, Dim, 30, 0.06f, 6);
        var original = BuildWith(new HnswOptions { Dimension = Dim, Quantization = Quantization.Int8, M = 8, Seed = 3 }, all, N);
        original.Remove(17);
        var path = Path.Combine(dir, "int8.hnsw");

        // Act
        original.Save(path);
        var loaded = HnswIndex.Load(path);

        // Assert
        Assert.Equal(Quantization.Int8, loaded.Quantization);
        Assert.Equal(original.Options, loaded.Options);
        Assert.Equal(original.Count, loaded.Count);
        Assert.False(loaded.Contains(17));
        Assert.Equal(original.GetLayerCounts(), loaded.GetLayerCounts());
        for (var q = 0; q < 30; q++)
        {
            var query = IndexTestData.Row(all, Dim, N + q);
            Assert.Equal(original.Search(query, 10, 20), loaded.Search(query, 10, 20));
        }
        var a = new float[Dim];
        var b = new float[Dim];
        Assert.True(original.TryGetVector(5, a) && loaded.TryGetVector(5, b));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(5_000)]
    [InlineData(-40)]
    public void Load_Int8BitFlipped_ThrowsChecksum(int offset)
    {
        // Arrange
        var path = SavedInt8();
        var bytes = File.ReadAllBytes(path);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("checksum", ex.Check);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void Load_UnknownQuantization_ThrowsHeader(int value)
    {
        // Arrange: the quantization field (offset 64) of a version-2 file.
        var path = SavedInt8();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(64, 4), value);
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("header", ex.Check);
    }

    [Fact]
    public void Load_Int8WithSquaredL2Header_ThrowsHeader()
    {
        // Arrange: metric (offset 12) rewritten to SquaredL2 in an int8 file.
        var path = SavedInt8();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(12, 4), (int)DistanceMetric.SquaredL2);
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("header", ex.Check);
    }

    [Fact]
    public void Load_Version1Fixture_LoadsWithItsOptionsVectorsAndExactAnswers()
    {
        // Arrange: Fixtures/index-v1-cosine-16d.lkhnsw was written by the version-1 writer (before quantization):
        // 200 uniform vectors (IndexTestData.Uniform(200, 16, 77)), cosine, M 8, seed 7, sequential, label 5 removed.
        // Compared with brute force, not with a fresh build, whose graph would depend on this machine's SIMD rounding.
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "index-v1-cosine-16d.lkhnsw");
        var (data, flat) = IndexTestData.FixtureVectors();
        var expectedOptions = new HnswOptions { Dimension = 16, Metric = DistanceMetric.Cosine, M = 8, Seed = 7 };

        // Act
        var loaded = HnswIndex.Load(path);

        // Assert: the file is version 1; options (no quantization), vectors and answers as written.
        Assert.Equal(1, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        Assert.Equal(expectedOptions, loaded.Options);
        Assert.Equal(199, loaded.Count);
        Assert.False(loaded.Contains(5));
        var v = new float[16];
        for (var i = 0; i < 200; i += 7)
        {
            var query = IndexTestData.Row(data, 16, i);
            var expected = flat.Search(query, 5);
            var actual = loaded.Search(query, 5, 200);
            Assert.Equal(expected.Select(n => n.Label), actual.Select(n => n.Label));
            if (i != 5)
            {
                Assert.True(loaded.TryGetVector(i, v));
                var norm = Math.Sqrt(query.ToArray().Sum(x => (double)x * x));
                for (var j = 0; j < 16; j++)
                {
                    Assert.Equal(query[j] / norm, v[j], 1e-6);
                }
            }
        }

        // Saved again, it is a version-3 file that loads.
        var resaved = Path.Combine(dir, "v3.hnsw");
        loaded.Save(resaved);
        Assert.Equal(3, BitConverter.ToInt32(File.ReadAllBytes(resaved), 8));
        Assert.Equal(199, HnswIndex.Load(resaved).Count);
    }

    private string SavedInt8()
    {
        var all = IndexTestData.Clustered(600, 24, 10, 0.1f, 2);
        var index = BuildWith(new HnswOptions { Dimension = 24, Quantization = Quantization.Int8, M = 8 }, all, 600);
        var path = Path.Combine(dir, "int8-" + Guid.NewGuid().ToString("N") + ".hnsw");
        index.Save(path);
        return path;
    }
}
