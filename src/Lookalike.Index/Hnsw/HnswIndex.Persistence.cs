using System.Globalization;
using System.Runtime.InteropServices;
using Lookalike.Index.Persistence;
using Lookalike.Index.Spaces;

namespace Lookalike.Index;

/// <summary>Persistence: versioned binary format with a SHA-256 checksum (see <see cref="IndexFile"/>).</summary>
public sealed partial class HnswIndex
{
    /// <summary>Writes the index to <paramref name="path"/>: to a temporary file beside it, flushed to disk, then
    /// atomically renamed over <paramref name="path"/>. Waits for running inserts/removes and blocks new ones while
    /// writing; searches continue. Format: <see cref="IndexFile"/> (magic, version, metric, dimension, M,
    /// efConstruction, seed, counts, records, SHA-256). O(n) time, O(1) extra memory.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written (the target is left untouched).</exception>
    public unsafe void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var tmp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        gate.EnterExclusive();
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                using var w = new IndexFile.HashingWriter(fs);
                var e = Volatile.Read(ref entry);
                var slots = nodeCount;
                w.WriteBytes(IndexFile.Magic);
                w.WriteInt32(IndexFile.Version);
                w.WriteInt32((int)metric);
                w.WriteInt32(dimension);
                w.WriteInt32(m);
                w.WriteInt32(Options.EfConstruction);
                w.WriteInt32(Options.DefaultEfSearch);
                w.WriteInt32(Options.Seed);
                w.WriteInt32(Options.InitialCapacity);
                w.WriteInt32(slots);
                w.WriteInt32(liveCount);
                w.WriteInt32(e < 0 ? -1 : (int)e);
                w.WriteInt32(e < 0 ? -1 : (int)(e >> 32));
                w.WriteInt64((long)rngState);
                w.WriteInt32((int)Options.Quantization);
                w.WriteInt32(0);
                for (var id = 0; id < slots; id++)
                {
                    var level = store.Level(id);
                    w.WriteInt64(store.Label(id));
                    w.WriteInt32(level);
                    w.WriteInt32(store.IsDeleted(id) ? 1 : 0);
                    // The exact form: the stored vector itself, or a quantised index's float32 copy (its codes are
                    // recomputed from it on load, so the file never holds two forms that could disagree).
                    var v = exact is null ? store.Vector(id) : exact.Vector(id);
                    w.WriteElements(new ReadOnlySpan<byte>(v, exactBytes), VectorSpaces.ElementBytes(exactSpace));
                    for (var l = 0; l <= level; l++)
                    {
                        var links = store.Links(id, l);
                        w.WriteBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(links, 1 + links[0])));
                    }
                }
                w.Finish();
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        finally
        {
            gate.ExitExclusive();
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>. Checks, in order: magic, version, header values, every
    /// size field against the file's length (record count, initial capacity, and the memory they imply), SHA-256
    /// checksum, then every record (levels, link counts, link targets, labels, vectors). Nothing is returned unless every
    /// check passes, so a truncated, corrupted or foreign file never half-loads. Nothing is allocated before the size
    /// checks, and the memory a load takes stays within 2 × the file's length + 16 MiB (a header asking for 2³⁰ nodes in
    /// a 1 MiB file is refused, never attempted). The loaded index is sized for its records; the saved
    /// <see cref="HnswOptions.InitialCapacity"/> is kept in <see cref="Options"/>. O(n).</summary>
    /// <exception cref="IndexFormatException">A check failed; <see cref="IndexFormatException.Check"/> names it
    /// (<c>magic</c>, <c>version</c>, <c>header</c>, <c>size</c>, <c>checksum</c>, <c>content</c>) and the message
    /// says what was wrong (e.g. "the 3000000 records would take … bytes of memory, more than twice the file's …").</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static HnswIndex Load(string path) => Load(path, expectedDimension: null);

    /// <summary>As <see cref="Load(string)"/>, and also refuses a file whose dimension differs from
    /// <paramref name="expectedDimension"/> (e.g. the embedding model's output size) with check <c>dimension</c>.</summary>
    /// <exception cref="IndexFormatException">A check failed, including <c>dimension</c>: "expected 128 dimensions, got 512".</exception>
    public static unsafe HnswIndex Load(string path, int? expectedDimension)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var length = fs.Length;
        using var r = new BinaryReader(fs);
        try
        {
            Span<byte> magic = stackalloc byte[8];
            if (length < magic.Length || fs.Read(magic) != magic.Length)
            {
                throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture, $"the file is {length} bytes, too short to be an index"));
            }
            if (!magic.SequenceEqual(IndexFile.Magic))
            {
                throw new IndexFormatException("magic", "not a Lookalike HNSW index file (wrong magic bytes)");
            }
            if (length < 12)
            {
                throw new IndexFormatException("size", "the file ends inside the header");
            }
            var version = r.ReadInt32();
            if (version is < IndexFile.OldestVersion or > IndexFile.Version)
            {
                throw new IndexFormatException("version", string.Create(CultureInfo.InvariantCulture,
                    $"index format version {version} is not supported (expected {IndexFile.OldestVersion}…{IndexFile.Version})"));
            }
            if (length < IndexFile.HeaderBytes + IndexFile.ChecksumBytes)
            {
                throw new IndexFormatException("size", "the file ends inside the header");
            }

            var metricValue = r.ReadInt32();
            var dim = r.ReadInt32();
            var mValue = r.ReadInt32();
            var efc = r.ReadInt32();
            var efs = r.ReadInt32();
            var seed = r.ReadInt32();
            var initial = r.ReadInt32();
            var slots = r.ReadInt32();
            var live = r.ReadInt32();
            var entryId = r.ReadInt32();
            var topLayer = r.ReadInt32();
            var rng = (ulong)r.ReadInt64();
            // Version 1 has 8 reserved bytes here (always 0) and only float32 storage; version 2 stores the quantization.
            var quantizationValue = r.ReadInt32();
            r.ReadInt32();
            if (version == 1)
            {
                quantizationValue = (int)Quantization.None;
            }

            HnswOptions options;
            try
            {
                options = new HnswOptions
                {
                    Dimension = dim,
                    Metric = (DistanceMetric)metricValue,
                    M = mValue,
                    EfConstruction = efc,
                    DefaultEfSearch = efs,
                    Seed = seed,
                    InitialCapacity = initial,
                    Quantization = (Quantization)quantizationValue,
                };
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new IndexFormatException("header", "invalid header value: " + ex.Message);
            }
            if (slots < 0 || live < 0 || live > slots || entryId < -1 || entryId >= slots || (slots > 0) != (entryId >= 0)
                || topLayer > MaxLevel || (entryId >= 0 && topLayer < 0))
            {
                throw new IndexFormatException("header", string.Create(CultureInfo.InvariantCulture,
                    $"inconsistent counts in the header (slots {slots}, live {live}, entry {entryId}, top layer {topLayer})"));
            }
            if (expectedDimension is { } want && want != dim)
            {
                throw new IndexFormatException("dimension", string.Create(CultureInfo.InvariantCulture, $"expected {want} dimensions, got {dim}"));
            }
            // Every size field against the file's length, before anything is allocated: each record holds at least its
            // label, level, flags, vector and layer-0 link count; the memory a load takes (records sized for the slots,
            // the label map, and later the upper-layer links) must stay within MemoryBudget(length).
            var kind = VectorSpaces.KindOf(options.Metric, options.Quantization);
            var recordVectorBytes = VectorSpaces.VectorBytes(kind, dim);
            var fileVectorBytes = VectorSpaces.VectorBytes(VectorSpaces.ExactKind(kind), dim);
            var exactRowBytes = VectorSpaces.IsQuantized(kind) ? Hnsw.ExactVectorStore.RowBytes(fileVectorBytes) : 0;
            var minRecord = 16L + fileVectorBytes + 4;
            if (IndexFile.HeaderBytes + (slots * minRecord) + IndexFile.ChecksumBytes > length)
            {
                throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture,
                    $"the file is {length} bytes, too short for the {slots} records of {dim} dimensions its header announces"));
            }
            var budget = IndexFile.MemoryBudget(length);
            var recordBytes = Hnsw.NodeStore.FirstSegmentBytes(recordVectorBytes, mValue, slots)
                + (Hnsw.NodeStore.FirstSegmentRecords(slots) * (long)exactRowBytes) + (LabelMapBytesPerEntry * (long)slots);
            if (recordBytes > budget)
            {
                throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture,
                    $"the {slots} records would take {recordBytes} bytes of memory, more than twice the file's {length} bytes allow: the file is damaged"));
            }
            var reserved = Hnsw.NodeStore.FirstSegmentBytes(recordVectorBytes, mValue, initial)
                + (Hnsw.NodeStore.FirstSegmentRecords(initial) * (long)exactRowBytes);
            if (initial > slots && reserved > budget)
            {
                throw new IndexFormatException("header", string.Create(CultureInfo.InvariantCulture,
                    $"the header asks for an initial capacity of {initial} nodes ({reserved} bytes of memory) for a file of {length} bytes with {slots} records: the file is damaged"));
            }

            var stored = new byte[IndexFile.ChecksumBytes];
            fs.Position = length - IndexFile.ChecksumBytes;
            fs.ReadExactly(stored);
            var actual = IndexFile.HashPrefix(fs, length - IndexFile.ChecksumBytes);
            if (!actual.AsSpan().SequenceEqual(stored))
            {
                throw new IndexFormatException("checksum", "the SHA-256 checksum does not match: the file is truncated or corrupted");
            }

            fs.Position = IndexFile.HeaderBytes;
            // Sized for the records only (the saved initial capacity stays in the options, for indexes built from them).
            var index = new HnswIndex(options, slots);
            index.ReadRecords(r, slots, live, entryId, topLayer, rng, budget - recordBytes);
            if (fs.Position != length - IndexFile.ChecksumBytes)
            {
                throw new IndexFormatException("content", "the records do not end where the checksum begins");
            }
            return index;
        }
        catch (EndOfStreamException ex)
        {
            throw new IndexFormatException("size", "the index file ended early: " + ex.Message);
        }
    }

    /// <summary>Bytes of the label map per live entry, as <see cref="MemoryBytes"/> estimates it.</summary>
    private const long LabelMapBytesPerEntry = 24;

    /// <summary>Reads the records into the empty store. <paramref name="upperBudget"/> bounds the bytes of upper-layer
    /// link arrays the file may make it allocate: a record whose levels would exceed it is refused before its array
    /// is allocated.</summary>
    private unsafe void ReadRecords(BinaryReader r, int slots, int live, int entryId, int topLayer, ulong rng, long upperBudget)
    {
        // The file holds each vector's exact form; a quantised index derives its codes from it.
        var bytes = new byte[exactBytes];
        var codes = exact is null ? bytes : new byte[vectorBytes];
        var elementBytes = VectorSpaces.ElementBytes(exactSpace);
        labelToId.EnsureCapacity(live);
        for (var id = 0; id < slots; id++)
        {
            var label = r.ReadInt64();
            var level = r.ReadInt32();
            var flags = r.ReadInt32();
            if (level < 0 || level > topLayer || (flags & ~1) != 0)
            {
                throw Content($"slot {id}: level {level} or flags {flags} out of range");
            }
            r.BaseStream.ReadExactly(bytes);
            IndexFile.FromLittleEndian(bytes, elementBytes);
            fixed (byte* v = bytes)
            {
                if (!VectorSpaces.IsValidStored(exactSpace, v, dimension))
                {
                    throw Content($"slot {id}: the stored vector is not one this index could have written (non-finite, or not unit length under cosine)");
                }
                if (exact is not null)
                {
                    fixed (byte* c = codes)
                    {
                        VectorSpaces.Quantize(space, new ReadOnlySpan<float>(v, dimension), c);
                    }
                }
            }
            if (level > 0)
            {
                upperBytes += 24 + (level * (m + 1) * sizeof(int));
                if (upperBytes > upperBudget)
                {
                    throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture,
                        $"slot {id}: the records' upper layers would take more than twice the file's size in memory: the file is damaged"));
                }
            }
            store.EnsureCapacity(id);
            var deleted = flags == 1;
            if (exact is not null)
            {
                exact.EnsureCapacity(id);
                exact.Write(id, bytes);
            }
            store.Initialise(id, codes, label, level, deleted);
            for (var l = 0; l <= level; l++)
            {
                var count = r.ReadInt32();
                var max = l == 0 ? m0 : m;
                if (count < 0 || count > max)
                {
                    throw Content($"slot {id} layer {l}: {count} links (at most {max})");
                }
                var links = store.Links(id, l);
                links[0] = count;
                for (var j = 1; j <= count; j++)
                {
                    var target = r.ReadInt32();
                    if (target < 0 || target >= slots)
                    {
                        throw Content($"slot {id} layer {l}: link to slot {target} of {slots}");
                    }
                    links[j] = target;
                }
            }
            if (deleted)
            {
                freeSlots.Push(id);
                deletedSlots++;
            }
            else if (!labelToId.TryAdd(label, id))
            {
                throw Content($"label {label} appears twice");
            }
        }
        // Links are checked against slot counts above; a link to a node must also reach that node's level.
        for (var id = 0; id < slots; id++)
        {
            for (var l = 1; l <= store.Level(id); l++)
            {
                var links = store.Links(id, l);
                for (var j = 1; j <= links[0]; j++)
                {
                    if (store.Level(links[j]) < l)
                    {
                        throw Content($"slot {id} layer {l}: link to slot {links[j]} which is not on that layer");
                    }
                }
            }
        }
        if (labelToId.Count != live || (slots > 0 && store.Level(entryId) != topLayer))
        {
            throw Content("live count or entry point does not match the records");
        }
        nodeCount = slots;
        liveCount = live;
        rngState = rng;
        entry = entryId < 0 ? -1 : PackEntry(entryId, topLayer);
    }

    private static IndexFormatException Content(string message) => new("content", message);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
