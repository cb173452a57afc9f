using System.Buffers.Binary;
using System.Security.Cryptography;
using Lookalike.Index;

namespace Lookalike.Index.Tests;

/// <summary>Issue 15: a damaged index file is refused with <see cref="IndexFormatException"/> before anything large is
/// allocated, even when its checksum was recomputed to match; a load never takes more than 2 × the file + 16 MiB.</summary>
public sealed class HnswLoadLimitsTests : IDisposable
{
    private const int Dim = 16;
    private const int InitialCapacityOffset = 36, SlotCountOffset = 40, LiveCountOffset = 44;
    private static readonly Lazy<byte[]> OneMiB = new(() => SavedBytes(6_400));
    private readonly string dir = Directory.CreateTempSubdirectory("lookalike-index-limits-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(1 << 24)]
    [InlineData(1 << 30)]
    [InlineData(int.MaxValue)]
    public void Load_HugeInitialCapacityWithRecomputedChecksum_RefusedNamingIt(int capacity)
    {
        // Arrange: a ~1 MiB file whose header asks for a huge initial capacity, checksum recomputed to match.
        var bytes = (byte[])OneMiB.Value.Clone();
        Assert.InRange(bytes.Length, 900_000, 1_300_000);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(InitialCapacityOffset), capacity);
        var path = Write(bytes);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        // Assert
        Assert.Equal("header", ex.Check);
        Assert.Contains($"initial capacity of {capacity}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1 << 24)]
    [InlineData(1 << 30)]
    [InlineData(int.MaxValue)]
    public void Load_HugeSlotCountWithRecomputedChecksum_RefusedAsSize(int slots)
    {
        var bytes = (byte[])OneMiB.Value.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(SlotCountOffset), slots);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(LiveCountOffset), 0);
        var path = Write(bytes);

        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("size", ex.Check);
        Assert.Contains($"{slots} records", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HighMWithFewLinksWithRecomputedChecksum_RefusedBeforeAllocating()
    {
        // Arrange: records that carry no links at all, under a header claiming M = 128: the in-memory records
        // (2·128 link slots each) would take far more than twice the file.
        var index = new HnswIndex(new HnswOptions { Dimension = 1, Metric = DistanceMetric.SquaredL2, M = 128, InitialCapacity = 16 });
        for (var i = 0; i < 40_000; i++)
        {
            index.Add(i, [i]);
        }
        var path = Path.Combine(dir, "sparse.hnsw");
        index.Save(path);
        var bytes = StripLinks(File.ReadAllBytes(path), dim: 1);

        // Act
        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(Write(bytes)));

        // Assert
        Assert.Equal("size", ex.Check);
        Assert.Contains("more than twice", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)] // versions 1 (before quantization), 2 (int8 vectors inline) and 3 (current) load
    [InlineData(-1)]
    public void Load_UnknownVersionWithRecomputedChecksum_RefusedAsVersion(int version)
    {
        var bytes = (byte[])OneMiB.Value.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), version);
        var path = Write(bytes);

        var ex = Assert.Throws<IndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("version", ex.Check);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Load_RandomBytes_ThrowsIndexFormatException(int seed, bool withMagicAndVersion)
    {
        // Arrange: 1 MiB of random bytes, optionally behind a valid magic and version so the header is parsed.
        var bytes = new byte[1 << 20];
        new Random(seed).NextBytes(bytes);
        if (withMagicAndVersion)
        {
            "LKHNSW\r\n"u8.CopyTo(bytes);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1);
            Recompute(bytes);
        }

        // Act + Assert
        Assert.Throws<IndexFormatException>(() => HnswIndex.Load(Write(bytes)));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void Load_TruncatedWithRecomputedChecksum_Refused(double keep)
    {
        var whole = OneMiB.Value;
        var bytes = whole.AsSpan(0, (int)(whole.Length * keep)).ToArray();
        Recompute(bytes);

        Assert.Throws<IndexFormatException>(() => HnswIndex.Load(Write(bytes)));
    }

    [Fact]
    public void Load_ValidFile_MemoryWithinTwiceTheFile()
    {
        // Arrange: face-descriptor shape (128-D cosine, M 16).
        var index = new HnswIndex(new HnswOptions { Dimension = 128 });
        index.AddRange(IndexTestData.Labels(2_100), IndexTestData.Clustered(2_100, 128, 20, 0.06f, 7), maxDegreeOfParallelism: 1);
        var path = Path.Combine(dir, "faces.hnsw");
        index.Save(path);
        var length = new FileInfo(path).Length;

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        var loaded = HnswIndex.Load(path);
        var managed = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert: native records and links (MemoryBytes) plus everything the load allocated on the managed heap.
        Assert.Equal(2_100, loaded.Count);
        Assert.True(loaded.MemoryBytes + managed <= (2 * length) + (16L << 20),
            $"file {length} B, index {loaded.MemoryBytes} B, managed allocations {managed} B");
        Assert.True(loaded.MemoryBytes <= 2 * length, $"file {length} B, index {loaded.MemoryBytes} B");
    }

    private static byte[] SavedBytes(int n)
    {
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.Cosine, M = 16, Seed = 3 });
        index.AddRange(IndexTestData.Labels(n), IndexTestData.Uniform(n, Dim, 33), maxDegreeOfParallelism: 2);
        var path = Path.Combine(Path.GetTempPath(), $"lookalike-limits-{Guid.NewGuid():N}.hnsw");
        try
        {
            index.Save(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Rewrites a saved file with every link list emptied (keeps the layout valid), checksum recomputed.</summary>
    private static byte[] StripLinks(byte[] file, int dim)
    {
        var slots = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(SlotCountOffset));
        var output = new List<byte>(file.Length);
        // The header: 72 bytes up to version 2, 80 from version 3 (the exact-vector section's offset; 0 for float32).
        var header = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8)) >= 3 ? 80 : 72;
        output.AddRange(file.AsSpan(0, header).ToArray());
        var pos = header;
        for (var id = 0; id < slots; id++)
        {
            var level = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos + 8));
            var fixedPart = 16 + (4 * dim);
            output.AddRange(file.AsSpan(pos, fixedPart).ToArray());
            pos += fixedPart;
            for (var l = 0; l <= level; l++)
            {
                var count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
                pos += 4 + (4 * count);
                output.AddRange(new byte[4]);
            }
        }
        output.AddRange(new byte[32]);
        var bytes = output.ToArray();
        Recompute(bytes);
        return bytes;
    }

    private static void Recompute(byte[] bytes) => SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(dir, $"{Guid.NewGuid():N}.hnsw");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
