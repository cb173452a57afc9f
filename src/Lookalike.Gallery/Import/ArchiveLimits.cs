using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Lookalike.Gallery.Import;

/// <summary>
/// Bounds on what one import source may make the importer read: bytes per file (a folder's file or an archive entry),
/// uncompressed bytes per archive, and entries per archive. Declared sizes are checked before anything is read, and
/// every read is streamed through <see cref="ReadBounded"/>, which counts the bytes that really come out, so a zip
/// entry whose header lies about its size still stops at the limit.
/// </summary>
/// <param name="MaxEntryBytes">Largest file or entry read, in bytes (the face pipeline's <c>MaxFileBytes</c> by default, 20 MiB).</param>
/// <param name="MaxTotalBytes">Largest sum of uncompressed entry sizes read from one archive, in bytes (2 GiB by default).</param>
/// <param name="MaxEntries">Most entries (files and folders) in one archive (300,000 by default: CelebA has 202,599 photos).</param>
public sealed record ArchiveLimits(long MaxEntryBytes, long MaxTotalBytes, int MaxEntries)
{
    /// <summary>Default <see cref="MaxEntryBytes"/>: 20 MiB, the face pipeline's default <c>MaxFileBytes</c>.</summary>
    public const long DefaultMaxEntryBytes = 20L * 1024 * 1024;

    /// <summary>Default <see cref="MaxTotalBytes"/>: 2 GiB.</summary>
    public const long DefaultMaxTotalBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Default <see cref="MaxEntries"/>: 300,000.</summary>
    public const int DefaultMaxEntries = 300_000;

    /// <summary>The defaults.</summary>
    public static ArchiveLimits Default { get; } = new(DefaultMaxEntryBytes, DefaultMaxTotalBytes, DefaultMaxEntries);

    /// <summary>Skip reason of a file or entry larger than <see cref="MaxEntryBytes"/> (declared or counted).</summary>
    internal string EntryTooLarge(long bytes, bool atLeast) => string.Create(CultureInfo.InvariantCulture,
        $"too large: {(atLeast ? "more than " : "")}{Megabytes(bytes)} MB, over the {Megabytes(MaxEntryBytes)} MB limit per file (Lookalike:MaxArchiveEntryBytes)");

    /// <summary>Skip reason of an entry past <see cref="MaxTotalBytes"/>.</summary>
    internal string TotalTooLarge() => string.Create(CultureInfo.InvariantCulture,
        $"archive too large: its entries pass the {Megabytes(MaxTotalBytes)} MB uncompressed limit per archive (Lookalike:MaxArchiveTotalBytes)");

    /// <summary>Why a whole archive is refused for its entry count.</summary>
    internal string TooManyEntries(long count, bool atLeast = false) => string.Create(CultureInfo.InvariantCulture,
        $"the archive has {(atLeast ? "at least " : "")}{count:N0} entries, more than the limit of {MaxEntries:N0} (Lookalike:MaxArchiveEntries)");

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString(bytes % (1024 * 1024) == 0 ? "N0" : "N1", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, but never more than <paramref name="limit"/> bytes: the buffer starts
    /// at the declared length (itself clamped to the limit) and grows only as bytes really arrive, 80 KB at a time.
    /// </summary>
    /// <param name="stream">The entry or file.</param>
    /// <param name="declaredLength">The length its header declares (may lie either way).</param>
    /// <param name="limit">Most bytes accepted.</param>
    /// <param name="tooLarge">The message when more than <paramref name="limit"/> bytes come out.</param>
    /// <exception cref="ImportEntryTooLargeException">more than <paramref name="limit"/> bytes come out of the stream.</exception>
    internal static byte[] ReadBounded(Stream stream, long declaredLength, long limit, Func<string> tooLarge)
    {
        var buffer = new MemoryStream((int)Math.Clamp(declaredLength, 0, Math.Min(limit, Array.MaxLength)));
        var chunk = ArrayPool<byte>.Shared.Rent(81_920);
        try
        {
            long total = 0;
            int read;
            // One byte past the limit is asked for, so that "exactly at the limit" and "over it" can be told apart.
            while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1 - total))) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new ImportEntryTooLargeException(tooLarge());
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// The entry count a zip declares in its end-of-central-directory record (or the Zip64 one), read from the file's
    /// tail before the central directory is parsed; null when no record is found (the zip reader then refuses the file).
    /// </summary>
    internal static long? DeclaredZipEntryCount(string zipPath)
    {
        using var file = File.OpenRead(zipPath);
        var tailLength = (int)Math.Min(file.Length, 22 + ushort.MaxValue + 20);
        var tail = new byte[tailLength];
        file.Seek(-tailLength, SeekOrigin.End);
        file.ReadExactly(tail);
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != 0x06054b50)
            {
                continue;
            }
            long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 10));
            if (count == ushort.MaxValue && i >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i - 20)) == 0x07064b50)
            {
                var zip64 = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(i - 20 + 8));
                if (zip64 >= 0 && zip64 <= file.Length - 56)
                {
                    var record = new byte[56];
                    file.Seek(zip64, SeekOrigin.Begin);
                    file.ReadExactly(record);
                    if (BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50)
                    {
                        count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
                    }
                }
            }
            return count;
        }
        return null;
    }
}

/// <summary>A file or archive entry over an <see cref="ArchiveLimits"/> bound; its message is the skip reason.</summary>
public sealed class ImportEntryTooLargeException : IOException
{
    /// <summary>Creates the exception with the skip reason.</summary>
    public ImportEntryTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ImportEntryTooLargeException()
    {
    }

    /// <summary>Creates the exception with an inner one.</summary>
    public ImportEntryTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
