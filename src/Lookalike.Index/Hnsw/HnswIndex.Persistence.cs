using System.Globalization;
using System.Runtime.InteropServices;
using Lookalike.Index.Hnsw;
using Lookalike.Index.Persistence;
using Lookalike.Index.Spaces;

namespace Lookalike.Index;

/// <summary>Persistence: versioned binary format with a SHA-256 checksum (see <see cref="IndexFile"/>).</summary>
public sealed partial class HnswIndex
{
    /// <summary>Writes the index to <paramref name="path"/>: to a temporary file beside it, flushed to disk, then
    /// atomically renamed over <paramref name="path"/>. Waits for running inserts/removes and blocks new ones while
    /// writing; searches continue. Format: <see cref="IndexFile"/> version 3 (magic, version, metric, dimension, M,
    /// efConstruction, seed, counts, records, for an int8 index the page-aligned section of float32 copies, SHA-256).
    /// Saving over the file a loaded int8 index maps is safe on POSIX systems (the rename leaves the mapped, old file
    /// intact until the index is collected). O(n) time, O(1) extra memory.</summary>
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
                // The section's offset goes in the header, before the records it follows: size the records first.
                long section = 0;
                if (exact is not null && slots > 0)
                {
                    var records = 0L;
                    for (var id = 0; id < slots; id++)
                    {
                        records += 16 + vectorBytes;
                        for (var l = 0; l <= store.Level(id); l++)
                        {
                            records += sizeof(int) * (1L + store.Links(id, l)[0]);
                        }
                    }
                    section = AlignUp(IndexFile.HeaderBytesV3 + records, IndexFile.SectionAlignment);
                }
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
                w.WriteInt64(section);
                var elementBytes = VectorSpaces.ElementBytes(space);
                for (var id = 0; id < slots; id++)
                {
                    var level = store.Level(id);
                    w.WriteInt64(store.Label(id));
                    w.WriteInt32(level);
                    w.WriteInt32(store.IsDeleted(id) ? 1 : 0);
                    // The stored form as the graph compares it (int8 codes; the float32 copies go to the section).
                    w.WriteElements(new ReadOnlySpan<byte>(store.Vector(id), vectorBytes), elementBytes);
                    for (var l = 0; l <= level; l++)
                    {
                        var links = store.Links(id, l);
                        w.WriteBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(links, 1 + links[0])));
                    }
                }
                if (section > 0)
                {
                    w.WriteZeros(section - w.Position);
                    var row = ExactVectorStore.RowBytes(exactBytes);
                    var exactElementBytes = VectorSpaces.ElementBytes(exactSpace);
                    for (var id = 0; id < slots; id++)
                    {
                        w.WriteElements(new ReadOnlySpan<byte>(exact!.Vector(id), exactBytes), exactElementBytes);
                        w.WriteZeros(row - exactBytes);
                    }
                    w.WriteZeros((NodeStore.FirstSegmentRecords(slots) - slots) * (long)row);
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

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>Reads an index written by <see cref="Save"/>. Checks, in order: magic, version, header values, every
    /// size field against the file's length (record count, initial capacity, the exact-vector section's offset and
    /// size, and the memory they imply), SHA-256 checksum, then every record (levels, link counts, link targets,
    /// labels, vectors) and every row of the exact-vector section (finite, unit length, its int8 codes equal to the
    /// record's). Nothing is returned unless every check passes, so a truncated, corrupted or foreign file never
    /// half-loads. Nothing is allocated before the size checks, and the memory a load takes stays within 2 × the
    /// file's length + 16 MiB (a header asking for 2³⁰ nodes in a 1 MiB file is refused, never attempted). The loaded
    /// index is sized for its records; the saved <see cref="HnswOptions.InitialCapacity"/> is kept in
    /// <see cref="Options"/>. An int8 index maps its float32 copies from the file (<see cref="ExactVectorPlacement.Mapped"/>).
    /// Versions 1–3 load. O(n).</summary>
    /// <exception cref="IndexFormatException">A check failed; <see cref="IndexFormatException.Check"/> names it
    /// (<c>magic</c>, <c>version</c>, <c>header</c>, <c>size</c>, <c>checksum</c>, <c>content</c>) and the message
    /// says what was wrong (e.g. "the 3000000 records would take … bytes of memory, more than twice the file's …").</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static HnswIndex Load(string path) => Load(path, expectedDimension: null, ExactVectorPlacement.Mapped);

    /// <summary>As <see cref="Load(string)"/>, and also refuses a file whose dimension differs from
    /// <paramref name="expectedDimension"/> (e.g. the embedding model's output size) with check <c>dimension</c>.</summary>
    /// <exception cref="IndexFormatException">A check failed, including <c>dimension</c>: "expected 128 dimensions, got 512".</exception>
    public static HnswIndex Load(string path, int? expectedDimension) => Load(path, expectedDimension, ExactVectorPlacement.Mapped);

    /// <summary>As <see cref="Load(string, int?)"/>, choosing where an int8 index's float32 copies go:
    /// <see cref="ExactVectorPlacement.Mapped"/> (the file's section, mapped copy-on-write; the file stays open while the
    /// index lives) or <see cref="ExactVectorPlacement.Memory"/> (read into native memory). Ignored for float32 indexes
    /// and for version 1–2 files, whose vectors are read into memory.</summary>
    /// <exception cref="IndexFormatException">A check failed (see <see cref="Load(string)"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="placement"/> is not a defined value.</exception>
    public static unsafe HnswIndex Load(string path, int? expectedDimension, ExactVectorPlacement placement)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Enum.IsDefined(placement))
        {
            throw new ArgumentOutOfRangeException(nameof(placement), placement, "unknown placement");
        }
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
            var headerBytes = IndexFile.HeaderBytes(version);
            if (length < headerBytes + IndexFile.ChecksumBytes)
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
            // Version 1 has 8 reserved bytes here (always 0) and only float32 storage; version 2 stores the quantization;
            // version 3 adds the exact-vector section's offset.
            var quantizationValue = r.ReadInt32();
            r.ReadInt32();
            if (version == 1)
            {
                quantizationValue = (int)Quantization.None;
            }
            var section = version >= 3 ? r.ReadInt64() : 0L;

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
            var quantized = VectorSpaces.IsQuantized(kind);
            var recordVectorBytes = VectorSpaces.VectorBytes(kind, dim);
            var exactVectorBytes = VectorSpaces.VectorBytes(VectorSpaces.ExactKind(kind), dim);
            // Versions 1–2 hold the exact form in the records; version 3 the stored form (codes), the exact form in the section.
            var fileVectorBytes = version >= 3 ? recordVectorBytes : exactVectorBytes;
            var exactRowBytes = quantized ? Hnsw.ExactVectorStore.RowBytes(exactVectorBytes) : 0;
            var hasSection = version >= 3 && quantized && slots > 0;
            var minRecord = 16L + fileVectorBytes + 4;
            var recordsEnd = length - IndexFile.ChecksumBytes;
            if (hasSection)
            {
                var sectionBytes = Hnsw.NodeStore.FirstSegmentRecords(slots) * (long)exactRowBytes;
                if (section < headerBytes || section % IndexFile.SectionAlignment != 0)
                {
                    throw new IndexFormatException("header", string.Create(CultureInfo.InvariantCulture,
                        $"exact-vector section offset {section} is not a multiple of {IndexFile.SectionAlignment} after the header"));
                }
                if (section + sectionBytes + IndexFile.ChecksumBytes != length)
                {
                    throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture,
                        $"the file is {length} bytes, but its exact-vector section of {sectionBytes} bytes at offset {section} and the checksum need {section + sectionBytes + IndexFile.ChecksumBytes}: the file is truncated or damaged"));
                }
                recordsEnd = section;
            }
            else if (section != 0)
            {
                throw new IndexFormatException("header", string.Create(CultureInfo.InvariantCulture,
                    $"exact-vector section offset {section} in an index that has no such section"));
            }
            if (headerBytes + (slots * minRecord) > recordsEnd)
            {
                throw new IndexFormatException("size", string.Create(CultureInfo.InvariantCulture,
                    $"the file is {length} bytes, too short for the {slots} records of {dim} dimensions its header announces"));
            }
            var budget = IndexFile.MemoryBudget(length);
            // Exact vectors in memory: always for versions 1–2 (no section to map), on request for version 3.
            var mapped = hasSection && placement == ExactVectorPlacement.Mapped;
            var residentExactRowBytes = mapped ? 0 : exactRowBytes;
            var recordBytes = Hnsw.NodeStore.FirstSegmentBytes(recordVectorBytes, mValue, slots)
                + (Hnsw.NodeStore.FirstSegmentRecords(slots) * (long)residentExactRowBytes) + (LabelMapBytesPerEntry * (long)slots);
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

            fs.Position = headerBytes;
            // Sized for the records only (the saved initial capacity stays in the options, for indexes built from them).
            // A mapped section becomes the exact store's first segment. The checks below read the section through the
            // stream, not the mapping, and the index (with its mapping) is returned only once all of them passed.
            var index = new HnswIndex(options, slots, mapped ? () => new Hnsw.ExactVectorStore(fs, section, exactVectorBytes, slots) : null);
            index.ReadRecords(r, version, slots, live, entryId, topLayer, rng, budget - recordBytes);
            if (hasSection)
            {
                if (fs.Position > section)
                {
                    throw new IndexFormatException("content", "the records run into the exact-vector section");
                }
                index.ReadSection(r, section, slots, copy: !mapped);
            }
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

    /// <summary>Checks a version-3 file's exact-vector section, read sequentially from the end of the records: zero
    /// padding up to <paramref name="section"/>, then per slot a finite unit vector whose int8 codes are the record's,
    /// zero row padding and zero rows past the slots. With <paramref name="copy"/> the vectors go into the (native)
    /// exact store; otherwise the store already maps them.</summary>
    private unsafe void ReadSection(BinaryReader r, long section, int slots, bool copy)
    {
        var fs = r.BaseStream;
        var row = ExactVectorStore.RowBytes(exactBytes);
        var buffer = new byte[Math.Max(row, IndexFile.SectionAlignment)];
        var padding = (int)(section - fs.Position);
        fs.ReadExactly(buffer, 0, padding);
        if (buffer.AsSpan(0, padding).ContainsAnyExcept((byte)0))
        {
            throw Content("non-zero bytes between the records and the exact-vector section");
        }
        var codes = new byte[vectorBytes];
        var elementBytes = VectorSpaces.ElementBytes(exactSpace);
        var rows = NodeStore.FirstSegmentRecords(slots);
        for (var id = 0; id < rows; id++)
        {
            fs.ReadExactly(buffer, 0, row);
            if (id >= slots)
            {
                if (buffer.AsSpan(0, row).ContainsAnyExcept((byte)0))
                {
                    throw Content($"exact-vector row {id} (past the {slots} slots) is not zero");
                }
                continue;
            }
            if (buffer.AsSpan(exactBytes, row - exactBytes).ContainsAnyExcept((byte)0))
            {
                throw Content($"exact-vector row {id}: non-zero padding");
            }
            IndexFile.FromLittleEndian(buffer.AsSpan(0, exactBytes), elementBytes);
            fixed (byte* v = buffer)
            fixed (byte* c = codes)
            {
                if (!VectorSpaces.IsValidStored(exactSpace, v, dimension))
                {
                    throw Content($"exact-vector row {id} is not one this index could have written (non-finite, or not unit length under cosine)");
                }
                VectorSpaces.Quantize(space, new ReadOnlySpan<float>(v, dimension), c);
                if (!new ReadOnlySpan<byte>(store.Vector(id), vectorBytes).SequenceEqual(codes))
                {
                    throw Content($"slot {id}: its int8 codes do not match its exact vector in the section");
                }
            }
            if (copy)
            {
                exact!.Write(id, buffer);
            }
        }
    }

    /// <summary>Bytes of the label map per live entry, as <see cref="MemoryBytes"/> estimates it.</summary>
    private const long LabelMapBytesPerEntry = 24;

    /// <summary>Reads the records into the empty store. <paramref name="upperBudget"/> bounds the bytes of upper-layer
    /// link arrays the file may make it allocate: a record whose levels would exceed it is refused before its array
    /// is allocated.</summary>
    private unsafe void ReadRecords(BinaryReader r, int version, int slots, int live, int entryId, int topLayer, ulong rng, long upperBudget)
    {
        // Versions 1–2 hold each vector's exact form, from which a quantised index derives its codes; version 3 holds
        // the stored form (codes), checked against the exact-vector section afterwards (ReadSection).
        var inline = version < 3;
        var bytes = new byte[inline ? exactBytes : vectorBytes];
        var codes = exact is null || !inline ? bytes : new byte[vectorBytes];
        var fileSpace = inline ? exactSpace : space;
        var elementBytes = VectorSpaces.ElementBytes(fileSpace);
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
                if (!VectorSpaces.IsValidStored(fileSpace, v, dimension))
                {
                    throw Content($"slot {id}: the stored vector is not one this index could have written (non-finite, or not unit length under cosine)");
                }
                if (exact is not null && inline)
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
            if (exact is not null && inline)
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
