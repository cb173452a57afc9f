using System.Buffers.Binary;
using System.Security.Cryptography;
using Lookalike.Index;

namespace Lookalike.Index.Tests;

/// <summary>Issue 16: an int8 index's float32 copies leave the resident heap. Format version 3 stores the int8 codes in
/// the records and the copies in a page-aligned section that a load maps; an index being built can keep them in a
/// companion file (<see cref="HnswOptions.ExactVectorFile"/>).</summary>
public sealed class HnswInt8FileTests : IDisposable
{
    private const int Dim = 128;

    /// <summary>Bytes of one float32 copy's row in memory and in the section: 128 × 4.</summary>
    private const int RowBytes = 512;

    /// <summary>Record strides of 128-D, M 16 (NodeStore layout: vector, label, level, flags, lock, count, 32 links,
    /// rounded up to 64): float32 512 + 24 + 132 = 668 → 704; int8 128 + 24 + 132 = 284 → 320.</summary>
    private const int Float32Stride = 704, Int8Stride = 320;

    private const int SectionOffsetField = 72;
    private readonly string dir = Directory.CreateTempSubdirectory("lookalike-int8-file-").FullName;

    public void Dispose()
    {
        // Mapped files stay open until their index is collected.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Directory.Delete(dir, recursive: true);
    }

    private static HnswIndex Build(float[] data, int n, Quantization quantization, string? exactFile = null, int dim = Dim)
    {
        var index = new HnswIndex(new HnswOptions { Dimension = dim, Quantization = quantization, InitialCapacity = n, ExactVectorFile = exactFile });
        index.AddRange(IndexTestData.Labels(n), data.AsMemory(0, n * dim), maxDegreeOfParallelism: 1);
        return index;
    }

    /// <summary>Rows of the section (and of a loaded store's first segment) for n slots: n rounded up to 16.</summary>
    private static int Rows(int n) => (n + 15) & ~15;

    private string Saved(HnswIndex index, string name = "i8.hnsw")
    {
        var path = Path.Combine(dir, name);
        index.Save(path);
        return path;
    }

    [Fact]
    public void SaveLoad_Int8_Version3WithPageAlignedSectionMappedAndIdenticalResults()
    {
        // Arrange
        const int N = 1_500;
        var all = IndexTestData.Clustered(N + 30, Dim, 30, 0.06f, 6);
        var original = Build(all, N, Quantization.Int8);
        original.Remove(17);

        // Act
        var path = Saved(original);
        var loaded = HnswIndex.Load(path);

        // Assert: version 3, the section at a page boundary, sized Rows(N) × 512, ending where the checksum begins.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        var section = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SectionOffsetField));
        Assert.Equal(0, section % 4096);
        Assert.Equal(bytes.Length, section + (Rows(N) * (long)RowBytes) + 32);
        Assert.Equal(Rows(N) * (long)RowBytes, loaded.MappedBytes);
        Assert.Equal(original.Count, loaded.Count);
        Assert.False(loaded.Contains(17));
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

    [Fact]
    public void MemoryBytes_Int8Loaded_RecordsOnlyAndUnderHalfOfFloat32()
    {
        // Arrange: the same vectors and seed, so both indexes draw the same levels (same upper-layer links and labels).
        const int N = 2_000;
        var all = IndexTestData.Clustered(N, Dim, 20, 0.06f, 4);
        var f32 = HnswIndex.Load(Saved(Build(all, N, Quantization.None), "f32.hnsw"));

        // Act
        var i8 = HnswIndex.Load(Saved(Build(all, N, Quantization.Int8)));

        // Assert: resident bytes differ by exactly the record strides (704 against 320 B per slot); the float32 copies
        // are mapped, not resident; for 128-D, M 16 that puts int8 under half of float32.
        Assert.Equal((Float32Stride - Int8Stride) * (long)Rows(N), f32.MemoryBytes - i8.MemoryBytes);
        Assert.Equal(0, f32.MappedBytes);
        Assert.Equal(Rows(N) * (long)RowBytes, i8.MappedBytes);
        Assert.True(i8.MemoryBytes < f32.MemoryBytes / 2, $"int8 {i8.MemoryBytes} B vs float32 {f32.MemoryBytes} B");
    }

    [Fact]
    public void Load_Int8PlacementMemory_SameResultsWithCopiesResident()
    {
        // Arrange
        const int N = 1_000;
        var all = IndexTestData.Clustered(N + 20, Dim, 20, 0.06f, 8);
        var path = Saved(Build(all, N, Quantization.Int8));
        var mapped = HnswIndex.Load(path);

        // Act
        var resident = HnswIndex.Load(path, expectedDimension: null, ExactVectorPlacement.Memory);

        // Assert
        Assert.Equal(0, resident.MappedBytes);
        Assert.Equal(mapped.MemoryBytes + mapped.MappedBytes, resident.MemoryBytes);
        for (var q = 0; q < 20; q++)
        {
            var query = IndexTestData.Row(all, Dim, N + q);
            Assert.Equal(mapped.Search(query, 10, 30), resident.Search(query, 10, 30));
        }
    }

    [Theory]
    [InlineData(33)] // the checksum and the last section byte
    [InlineData(4_096)] // inside the section
    [InlineData(-1)] // the whole section (cut at its offset)
    public void Load_Int8SectionTruncated_ThrowsSizeNamingTheSection(int cut)
    {
        // Arrange
        var path = Saved(Build(IndexTestData.Clustered(600, Dim, 10, 0.06f, 2), 600, Quantization.Int8));
        var bytes = File.ReadAllBytes(path);
        var section = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SectionOffsetField));
        var keep = cut >= 0 ? bytes.Length - cut : (int)section;
        File.WriteAllBytes(path, bytes.AsSpan(0, keep).ToArray());

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("size", ex.Check);
        Assert.Contains("exact-vector section", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Int8SectionBitFlipped_ThrowsChecksum()
    {
        // Arrange
        var path = Saved(Build(IndexTestData.Clustered(600, Dim, 10, 0.06f, 2), 600, Quantization.Int8));
        var bytes = File.ReadAllBytes(path);
        var section = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SectionOffsetField));
        bytes[section + 1_000] ^= 0x04;
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("checksum", ex.Check);
    }

    [Theory]
    [InlineData("scale")] // row 3 scaled by 2: not unit length
    [InlineData("swap")] // rows 3 and 4 swapped: unit vectors, but not the records' codes
    [InlineData("padding")] // a non-zero byte in a row past the slots
    [InlineData("gap")] // a non-zero byte between the records and the section
    public void Load_Int8SectionCorruptWithRecomputedChecksum_ThrowsContent(string damage)
    {
        // Arrange: 600 slots (Rows = 608, so 8 zero rows), checksum recomputed so only the content checks can tell.
        var path = Saved(Build(IndexTestData.Clustered(600, Dim, 10, 0.06f, 2), 600, Quantization.Int8));
        var bytes = File.ReadAllBytes(path);
        var section = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SectionOffsetField));
        var row3 = bytes.AsSpan(section + (3 * RowBytes), RowBytes);
        var row4 = bytes.AsSpan(section + (4 * RowBytes), RowBytes);
        switch (damage)
        {
            case "scale":
                for (var i = 0; i < Dim; i++)
                {
                    var x = BinaryPrimitives.ReadSingleLittleEndian(row3[(4 * i)..]);
                    BinaryPrimitives.WriteSingleLittleEndian(row3[(4 * i)..], 2 * x);
                }
                break;
            case "swap":
                var copy = row3.ToArray();
                row4.CopyTo(row3);
                copy.CopyTo(row4);
                break;
            case "padding":
                bytes[section + (605 * RowBytes) + 7] = 1;
                break;
            default:
                bytes[section - 1] = 1;
                break;
        }
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("content", ex.Check);
    }

    [Theory]
    [InlineData(0.1)] // inside the records
    [InlineData(0.3)] // around the records' end and the padding
    [InlineData(0.999)] // inside the section
    public void Load_Int8TruncatedWithRecomputedChecksum_Refused(double keep)
    {
        // Arrange: a cut file whose checksum was recomputed, so only the size and content checks can tell.
        var path = Saved(Build(IndexTestData.Clustered(600, Dim, 10, 0.06f, 2), 600, Quantization.Int8));
        var whole = File.ReadAllBytes(path);
        var bytes = whole.AsSpan(0, (int)(whole.Length * keep)).ToArray();
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);

        // Act + Assert
        Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Load_RandomBytesBehindVersion3Int8Header_ThrowsIndexFormatException(int seed)
    {
        // Arrange: 1 MiB of random bytes behind a valid magic, version 3 and quantization Int8, checksum recomputed.
        var bytes = new byte[1 << 20];
        new Random(seed).NextBytes(bytes);
        "LKHNSW\r\n"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 3);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), (int)DistanceMetric.Cosine);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(64), (int)Quantization.Int8);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        var path = Path.Combine(dir, "random.hnsw");
        File.WriteAllBytes(path, bytes);

        // Act + Assert
        Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));
    }

    [Fact]
    public void Load_Int8SectionOffsetNotPageAligned_ThrowsHeader()
    {
        // Arrange
        var path = Saved(Build(IndexTestData.Clustered(600, Dim, 10, 0.06f, 2), 600, Quantization.Int8));
        var bytes = File.ReadAllBytes(path);
        var section = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SectionOffsetField));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(SectionOffsetField), section - 64);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("header", ex.Check);
    }

    [Fact]
    public void Load_Version2Int8Fixture_LoadsWithExactAnswersAndResavesAsVersion3()
    {
        // Arrange: Fixtures/index-v2-int8-16d.lkhnsw was written by the version-2 writer (float32 vectors inline):
        // 200 uniform vectors (IndexTestData.Uniform(200, 16, 77)), cosine, Int8, M 8, seed 7, sequential, label 5 removed.
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "index-v2-int8-16d.lkhnsw");
        var (data, flat) = IndexTestData.FixtureVectors();
        var expectedOptions = new HnswOptions { Dimension = 16, Metric = DistanceMetric.Cosine, M = 8, Seed = 7, Quantization = Quantization.Int8 };

        // Act
        var loaded = HnswIndex.Load(path);

        // Assert: version 2, no section to map (copies in memory); exact answers and distances as brute force.
        Assert.Equal(2, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        Assert.Equal(expectedOptions, loaded.Options);
        Assert.Equal(199, loaded.Count);
        Assert.False(loaded.Contains(5));
        Assert.Equal(0, loaded.MappedBytes);
        for (var i = 0; i < 200; i += 7)
        {
            var query = IndexTestData.Row(data, 16, i);
            var expected = flat.Search(query, 5);
            var actual = loaded.Search(query, 5, 200);
            Assert.Equal(expected.Select(n => n.Label), actual.Select(n => n.Label));
            for (var j = 0; j < 5; j++)
            {
                Assert.Equal(expected[j].Distance, actual[j].Distance, 1e-6f);
            }
        }

        // Saved again: version 3 with a mapped section, the same answers.
        var resaved = Saved(loaded, "v3.hnsw");
        var again = HnswIndex.Load(resaved);
        Assert.Equal(3, BitConverter.ToInt32(File.ReadAllBytes(resaved), 8));
        Assert.Equal(Rows(200) * 64L, again.MappedBytes);
        for (var i = 0; i < 200; i += 7)
        {
            var query = IndexTestData.Row(data, 16, i);
            Assert.Equal(loaded.Search(query, 5, 200), again.Search(query, 5, 200));
        }
    }

    [Fact]
    public void Add_Int8LoadedMapped_ReusedAndNewSlotsFoundExactlyAndFileUnchanged()
    {
        // Arrange
        const int N = 700;
        var all = IndexTestData.Clustered(N + 300, Dim, 10, 0.06f, 9);
        var path = Saved(Build(all, N, Quantization.Int8));
        var hashBefore = SHA256.HashData(File.ReadAllBytes(path));
        var loaded = HnswIndex.Load(path);

        // Act: a removed slot reused (a copy-on-write write into the mapped section), then more vectors than the
        // mapped segment holds (a native segment).
        loaded.Remove(3);
        loaded.Add(10_000, IndexTestData.Row(all, Dim, N));
        for (var i = 1; i < 300; i++)
        {
            loaded.Add(10_000 + i, IndexTestData.Row(all, Dim, N + i));
        }

        // Assert
        Assert.Equal(N + 299, loaded.Count);
        Assert.True(loaded.MemoryBytes > 0);
        foreach (var i in new[] { 0, 1, 150, 299 })
        {
            var hit = loaded.Search(IndexTestData.Row(all, Dim, N + i), 1, 64);
            Assert.Equal(10_000 + i, hit[0].Label);
            Assert.Equal(0f, hit[0].Distance, 1e-6f);
        }
        Assert.Equal(hashBefore, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Save_Int8OverItsOwnMappedFile_LoadedIndexStillAnswersAndNewFileLoads()
    {
        // Arrange: the gallery's pattern, loading gallery.hnsw and later saving over it.
        const int N = 800;
        var all = IndexTestData.Clustered(N + 20, Dim, 10, 0.06f, 10);
        var path = Saved(Build(all, N, Quantization.Int8));
        var loaded = HnswIndex.Load(path);
        var before = loaded.Search(IndexTestData.Row(all, Dim, N), 10, 40);

        // Act
        loaded.Add(50_000, IndexTestData.Row(all, Dim, N + 1));
        loaded.Save(path);
        var reloaded = HnswIndex.Load(path);

        // Assert
        Assert.Equal(before, loaded.Search(IndexTestData.Row(all, Dim, N), 10, 40));
        Assert.Equal(N + 1, reloaded.Count);
        Assert.Equal(50_000, reloaded.Search(IndexTestData.Row(all, Dim, N + 1), 1, 40)[0].Label);
        Assert.Equal(loaded.Search(IndexTestData.Row(all, Dim, N), 10, 40), reloaded.Search(IndexTestData.Row(all, Dim, N), 10, 40));
    }

    [Fact]
    public void ExactVectorFile_Int8Build_CopiesMappedFromItSameGraphAndResults()
    {
        // Arrange
        const int N = 1_000;
        var all = IndexTestData.Clustered(N + 20, Dim, 20, 0.06f, 11);
        var companion = Path.Combine(dir, "exact.f32");
        var inMemory = Build(all, N, Quantization.Int8);

        // Act
        var backed = Build(all, N, Quantization.Int8, companion);

        // Assert: the companion file holds the copies (Rows(N) × 512 B), the resident heap does not; sequential builds
        // of the same data give the same graph and the same answers.
        Assert.True(File.Exists(companion));
        Assert.Equal(Rows(N) * (long)RowBytes, new FileInfo(companion).Length);
        Assert.Equal(Rows(N) * (long)RowBytes, backed.MappedBytes);
        Assert.Equal(inMemory.MemoryBytes - (Rows(N) * (long)RowBytes), backed.MemoryBytes);
        for (var q = 0; q < 20; q++)
        {
            var query = IndexTestData.Row(all, Dim, N + q);
            Assert.Equal(inMemory.Search(query, 10, 20), backed.Search(query, 10, 20));
        }
        var reloaded = HnswIndex.Load(Saved(backed));
        Assert.Equal(inMemory.Search(IndexTestData.Row(all, Dim, N), 10, 20), reloaded.Search(IndexTestData.Row(all, Dim, N), 10, 20));
    }

    [Fact]
    public void ExactVectorFile_Int8GrowsPastInitialCapacity_FileGrowsByDoublingSegments()
    {
        // Arrange
        var companion = Path.Combine(dir, "grow.f32");
        var all = IndexTestData.Clustered(100, Dim, 5, 0.06f, 12);
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Quantization = Quantization.Int8, InitialCapacity = 16, ExactVectorFile = companion });

        // Act: 100 vectors in segments of 16, 16, 32, 64 rows.
        index.AddRange(IndexTestData.Labels(100), all);

        // Assert
        Assert.Equal(128L * RowBytes, new FileInfo(companion).Length);
        Assert.Equal(128L * RowBytes, index.MappedBytes);
        var v = new float[Dim];
        for (var i = 0; i < 100; i += 9)
        {
            Assert.True(index.TryGetVector(i, v));
            Assert.Equal(i, index.Search(IndexTestData.Row(all, Dim, i), 1, 32)[0].Label);
        }
    }

    [Fact]
    public void Validate_ExactVectorFileOnFloat32Index_ThrowsNamingIt()
    {
        // Act
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new HnswIndex(new HnswOptions { Dimension = 8, ExactVectorFile = Path.Combine(dir, "x.f32") }));

        // Assert
        Assert.Equal(nameof(HnswOptions.ExactVectorFile), ex.ParamName);
    }

    [Fact]
    public void Search_Int8LoadedMappedFromFourThreads_SameAsSequential()
    {
        // Arrange
        const int N = 2_000, Queries = 200;
        var all = IndexTestData.Clustered(N + Queries, Dim, 20, 0.06f, 13);
        var loaded = HnswIndex.Load(Saved(Build(all, N, Quantization.Int8)));
        var expected = Enumerable.Range(0, Queries).Select(q => loaded.Search(IndexTestData.Row(all, Dim, N + q), 10, 40)).ToArray();

        // Act
        var actual = new IReadOnlyList<Neighbor>[Queries];
        Parallel.For(0, Queries, new ParallelOptions { MaxDegreeOfParallelism = 4 }, q =>
            actual[q] = loaded.Search(IndexTestData.Row(all, Dim, N + q), 10, 40));

        // Assert
        for (var q = 0; q < Queries; q++)
        {
            Assert.Equal(expected[q], actual[q]);
        }
    }
}
