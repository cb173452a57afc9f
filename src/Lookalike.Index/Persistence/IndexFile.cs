using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Lookalike.Index.Persistence;

/// <summary>
/// Binary format of a saved <see cref="HnswIndex"/>, version 3 (all integers little-endian); version 1 files (no
/// quantization field: float32 storage) and version 2 files (exact vectors inline, no section) still load:
/// <code>
/// offset size
///   0     8  magic "LKHNSW\r\n"
///   8     4  version (3; 2 = int8 indexes stored their float32 vectors inline; 1 = before quantization, Quantization.None)
///  12     4  metric (0 SquaredL2, 1 Cosine, 2 InnerProduct)
///  16     4  dimension
///  20     4  M
///  24     4  efConstruction
///  28     4  default efSearch
///  32     4  seed
///  36     4  initial capacity
///  40     4  slot count n (live + removed)
///  44     4  live count
///  48     4  entry point slot (−1 when empty)
///  52     4  top layer
///  56     8  level-generator state
///  64     4  quantization (0 None, 1 Int8); reserved (0) in version 1
///  68     4  reserved (0)
///  72     8  (version 3) offset S of the exact-vector section: a multiple of 4,096 for an Int8 index with n &gt; 0,
///            else 0 (no section)
///  80        n slot records (72 in versions 1–2): label i64, level i32, flags i32 (1 = removed), the stored vector
///            (version 3: as the graph compares it, dim × f32 normalised under cosine, or dim × i8 codes for Int8;
///            versions 1–2: always dim × f32, an Int8 index's codes recomputed from it on load),
///            then for each layer 0…level: link count i32, that many slot ids i32
///            (version 3, Int8, n &gt; 0) zero padding up to S, then the exact-vector section: R = n rounded up to 16
///            rows of RowBytes = 4·dim rounded up to 64 bytes; row i &lt; n is slot i's normalised float32 vector
///            (zero-padded), rows n…R−1 are zero. Its codes in the records must equal round(127·x) of it.
///  end−32 32 SHA-256 (System.Security.Cryptography.IncrementalHash) of every byte before it
/// </code>
/// The section is laid out as a loaded index's exact-vector store (<c>Hnsw.ExactVectorStore</c>) lays out its first
/// segment, so a load maps it as it is (<see cref="ExactVectorPlacement.Mapped"/>): the resident part of an Int8 index
/// is its records, the float32 copies are paged in only where a search re-ranks (FAISS <c>IndexRefineFlat</c>'s
/// refinement vectors, moved to the file). Written to a temporary file beside the target, flushed to disk, then
/// renamed over the target (atomic on POSIX and NTFS), so a crash never leaves a half-written index under the real name.
/// </summary>
internal static class IndexFile
{
    /// <summary>The version <see cref="HnswIndex.Save"/> writes.</summary>
    public const int Version = 3;

    /// <summary>The oldest version <see cref="HnswIndex.Load(string)"/> reads.</summary>
    public const int OldestVersion = 1;

    /// <summary>Header bytes of versions 1–2.</summary>
    public const int HeaderBytesV2 = 72;

    /// <summary>Header bytes of version 3 (the section offset added).</summary>
    public const int HeaderBytesV3 = 80;

    /// <summary>Alignment of the exact-vector section (a page, so that it maps as it is).</summary>
    public const int SectionAlignment = 4096;

    /// <summary>Header bytes of a file of <paramref name="version"/>.</summary>
    public static int HeaderBytes(int version) => version >= 3 ? HeaderBytesV3 : HeaderBytesV2;
    public const int ChecksumBytes = 32;
    public static ReadOnlySpan<byte> Magic => "LKHNSW\r\n"u8;

    /// <summary>The memory a load may take for a file of <paramref name="fileLength"/> bytes: 2 × the length plus
    /// 16 MiB (the reading buffers, an empty index's default capacity of 1,024 records for dimensions up to ~4,000).</summary>
    public static long MemoryBudget(long fileLength) => (2 * fileLength) + (16L << 20);

    /// <summary>Sequential writer that hashes everything it writes (SHA-256) and buffers 1 MiB at a time.</summary>
    public sealed class HashingWriter(Stream stream) : IDisposable
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] buffer = new byte[1 << 20];
        private int used;

        /// <summary>Bytes written so far (the file offset of the next byte).</summary>
        public long Position { get; private set; }

        /// <summary>Writes <paramref name="count"/> zero bytes.</summary>
        public void WriteZeros(long count)
        {
            while (count > 0)
            {
                Reserve(1);
                var n = (int)Math.Min(count, buffer.Length - used);
                buffer.AsSpan(used, n).Clear();
                used += n;
                Position += n;
                count -= n;
            }
        }

        public void WriteInt32(int v)
        {
            Reserve(4);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(used), v);
            used += 4;
            Position += 4;
        }

        public void WriteInt64(long v)
        {
            Reserve(8);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(used), v);
            used += 8;
            Position += 8;
        }

        public void WriteBytes(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                Reserve(1);
                var n = Math.Min(bytes.Length, buffer.Length - used);
                bytes[..n].CopyTo(buffer.AsSpan(used));
                used += n;
                Position += n;
                bytes = bytes[n..];
            }
        }

        /// <summary>Writes stored vector bytes made of <paramref name="elementBytes"/>-byte elements in little-endian
        /// order (as they are in memory on a little-endian machine; reversed element by element otherwise).</summary>
        public void WriteElements(ReadOnlySpan<byte> bytes, int elementBytes)
        {
            if (BitConverter.IsLittleEndian || elementBytes == 1)
            {
                WriteBytes(bytes);
                return;
            }
            Span<byte> one = stackalloc byte[elementBytes];
            for (var i = 0; i < bytes.Length; i += elementBytes)
            {
                bytes.Slice(i, elementBytes).CopyTo(one);
                one.Reverse();
                WriteBytes(one);
            }
        }

        /// <summary>Flushes the data, then appends the checksum of everything written.</summary>
        public void Finish()
        {
            Flush();
            Span<byte> digest = stackalloc byte[ChecksumBytes];
            hash.GetHashAndReset(digest);
            stream.Write(digest);
        }

        public void Dispose() => hash.Dispose();

        private void Reserve(int n)
        {
            if (buffer.Length - used < n)
            {
                Flush();
            }
        }

        private void Flush()
        {
            hash.AppendData(buffer, 0, used);
            stream.Write(buffer, 0, used);
            used = 0;
        }
    }

    /// <summary>Turns little-endian file bytes of <paramref name="elementBytes"/>-byte elements into this machine's
    /// order, in place (nothing to do on a little-endian machine).</summary>
    public static void FromLittleEndian(Span<byte> bytes, int elementBytes)
    {
        if (BitConverter.IsLittleEndian || elementBytes == 1)
        {
            return;
        }
        for (var i = 0; i < bytes.Length; i += elementBytes)
        {
            bytes.Slice(i, elementBytes).Reverse();
        }
    }

    /// <summary>SHA-256 of the first <paramref name="length"/> bytes of <paramref name="stream"/> (from position 0).</summary>
    public static byte[] HashPrefix(Stream stream, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        stream.Position = 0;
        var left = length;
        while (left > 0)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0)
            {
                throw new IndexFormatException("size", "the index file ended early");
            }
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        return hash.GetHashAndReset();
    }
}
