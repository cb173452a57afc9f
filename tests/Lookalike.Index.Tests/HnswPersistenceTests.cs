using Lookalike.Index;

namespace Lookalike.Index.Tests;

public sealed class HnswPersistenceTests : IDisposable
{
    private const int Dim = 24;
    private readonly string dir = Directory.CreateTempSubdirectory("lookalike-index-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static HnswIndex Build(int n)
    {
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.Cosine, M = 8, Seed = 5 });
        index.AddRange(IndexTestData.Labels(n, 1000), IndexTestData.Uniform(n, Dim, 21), maxDegreeOfParallelism: 1);
        index.Remove(1003);
        return index;
    }

    private string SavedFile(int n = 600)
    {
        var path = Path.Combine(dir, "index.hnsw");
        Build(n).Save(path);
        return path;
    }

    [Fact]
    public void SaveLoad_RoundTrip_ReturnsIdenticalResults()
    {
        // Arrange
        var original = Build(600);
        var path = Path.Combine(dir, "round.hnsw");
        var queries = IndexTestData.Uniform(30, Dim, 22);

        // Act
        original.Save(path);
        var loaded = HnswIndex.Load(path);

        // Assert
        Assert.Equal(original.Count, loaded.Count);
        Assert.Equal(original.Options, loaded.Options);
        Assert.Equal(original.EntryPoint, loaded.EntryPoint);
        Assert.Equal(original.GetLayerCounts(), loaded.GetLayerCounts());
        Assert.False(loaded.Contains(1003));
        for (var q = 0; q < 30; q++)
        {
            var query = IndexTestData.Row(queries, Dim, q);
            Assert.Equal(original.Search(query, 10, 20), loaded.Search(query, 10, 20));
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void SaveLoad_EmptyIndex_RoundTrips()
    {
        // Arrange
        var path = Path.Combine(dir, "empty.hnsw");

        // Act
        new HnswIndex(new HnswOptions { Dimension = Dim }).Save(path);
        var loaded = HnswIndex.Load(path);

        // Assert
        Assert.Equal(0, loaded.Count);
        Assert.Empty(loaded.Search(new float[Dim].Select(_ => 1f).ToArray(), 3));
    }

    [Fact]
    public void Load_AfterReload_AcceptsMoreInsertsAndReusesRemovedSlot()
    {
        // Arrange
        var path = SavedFile();
        var loaded = HnswIndex.Load(path);
        var v = Enumerable.Repeat(0.5f, Dim).ToArray();

        // Act
        loaded.Add(5, v);

        // Assert
        Assert.Equal(600, loaded.Count);
        Assert.Equal(600, loaded.SlotCount);
        Assert.Equal(5, loaded.Search(v, 1)[0].Label);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(50)]
    [InlineData(72)]
    [InlineData(5000)]
    [InlineData(-1)]
    [InlineData(-32)]
    public void Load_TruncatedFile_ThrowsIndexFormatException(int cut)
    {
        // Arrange
        var path = SavedFile();
        var bytes = File.ReadAllBytes(path);
        var keep = cut >= 0 ? cut : bytes.Length + cut;
        File.WriteAllBytes(path, bytes[..keep]);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Contains(ex.Check, new[] { "size", "checksum" });
    }

    [Theory]
    [InlineData(100)]
    [InlineData(2000)]
    [InlineData(-40)]
    public void Load_BitFlipped_ThrowsChecksum(int offset)
    {
        // Arrange
        var path = SavedFile();
        var bytes = File.ReadAllBytes(path);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("checksum", ex.Check);
    }

    [Fact]
    public void Load_WrongMagic_ThrowsMagic()
    {
        // Arrange
        var path = Path.Combine(dir, "foreign.bin");
        File.WriteAllBytes(path, "PK\u0003\u0004 this is a zip file, not an index, padded to be long enough........"u8.ToArray());

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("magic", ex.Check);
    }

    [Fact]
    public void Load_WrongVersion_ThrowsVersion()
    {
        // Arrange
        var path = SavedFile();
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 99;
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("version", ex.Check);
        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongDimension_ThrowsDimensionNamingBoth()
    {
        // Arrange
        var path = SavedFile();

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path, expectedDimension: 128));

        // Assert
        Assert.Equal("dimension", ex.Check);
        Assert.Contains($"expected 128 dimensions, got {Dim}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_OverExistingFile_ReplacesItAtomically()
    {
        // Arrange
        var path = SavedFile(100);
        var bigger = Build(300);

        // Act
        bigger.Save(path);

        // Assert
        Assert.Equal(299, HnswIndex.Load(path).Count);
        Assert.Single(Directory.GetFiles(dir));
    }
}
