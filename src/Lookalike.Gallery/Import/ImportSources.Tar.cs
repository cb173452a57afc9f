using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Lookalike.Gallery.Import;

/// <summary>
/// The tar reader: <c>.tar</c>, <c>.tgz</c> and <c>.tar.gz</c> (LFW's own distribution format, <c>lfw/&lt;Name&gt;/…</c>), read as a
/// stream with <see cref="TarReader"/> (over a <see cref="GZipStream"/> when the file starts with the gzip magic, whatever its
/// name). A tar stream cannot seek, so it is read in two passes: the first reads the headers only (data is skipped through a
/// small buffer) and decides the layout (the top-folder rule needs every name) and the limits from the declared sizes; the
/// second streams the data, in archive order, as the importer asks for each entry. Memory is the header list, not the data.
/// </summary>
public static partial class ImportSources
{
    private static readonly string[] TarExtensions = [".tgz", ".tar.gz", ".tar"];

    /// <summary>True when <paramref name="path"/> names an archive the import reads as one: <c>.zip</c>, <c>.tgz</c>, <c>.tar.gz</c> or <c>.tar</c>.</summary>
    public static bool IsArchiveName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) || IsTarName(path);
    }

    private static bool IsTarName(string path) => TarExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>One header of the first pass: its position among the reader's entries, its normalised name and what it is.</summary>
    private sealed record TarHeader(int Position, string Name, TarEntryType Type, long Length, string LinkName);

    private static List<ImportEntry> EnumerateTar(string tarPath, ImportFormat format, ArchiveLimits limits)
    {
        var archiveName = Path.GetFileName(tarPath);
        var (headers, positions, corruption) = ReadTarHeaders(tarPath, archiveName, limits);

        var files = new List<string>();
        var folders = new List<string>();
        var positionOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var lengthOf = new Dictionary<string, long>(StringComparer.Ordinal);
        var other = new List<(string Name, string Reason, int Position)>();
        foreach (var h in headers)
        {
            if (h.Type == TarEntryType.Directory)
            {
                folders.Add(h.Name.TrimEnd('/'));
            }
            else if (h.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
            {
                if (positionOf.TryAdd(h.Name, h.Position))
                {
                    files.Add(h.Name);
                    lengthOf[h.Name] = h.Length;
                }
                else
                {
                    other.Add((h.Name, "duplicate entry: the archive holds this name more than once; the first one is read", h.Position));
                }
            }
            else
            {
                other.Add((h.Name, NotRegularReason(h), h.Position));
            }
        }
        var fileSet = files.ToHashSet(StringComparer.Ordinal);
        var emptyFolders = folders.Distinct(StringComparer.Ordinal)
            .Where(d => d.Length > 0 && !files.Any(f => f.StartsWith(d + "/", StringComparison.Ordinal)))
            .ToList();

        // Declared sizes decide, before any data is read, which entries are over a limit (in archive order). A tar header's
        // size is the length of the data that follows it, so unlike a zip it cannot lie; the reads are bounded all the same.
        var preSkips = new Dictionary<string, string>(StringComparer.Ordinal);
        long declaredTotal = 0;
        foreach (var rel in files)
        {
            var length = lengthOf[rel];
            if (length > limits.MaxEntryBytes)
            {
                preSkips[rel] = limits.EntryTooLarge(length, atLeast: false);
            }
            else if ((declaredTotal += length) > limits.MaxTotalBytes)
            {
                preSkips[rel] = limits.TotalTooLarge();
            }
        }

        var reader = new TarEntryReader(tarPath, archiveName, limits, files.Where(f => !preSkips.ContainsKey(f)).Select(f => positionOf[f]).DefaultIfEmpty(-1).Max());
        byte[] ReadEntry(string rel) => preSkips.TryGetValue(rel, out var reason) ? throw new ImportEntryTooLargeException(reason) : reader.Read(positionOf[rel]);

        var root = tarPath + "!";
        var entries = Build(root, files, emptyFolders, ReadEntry, fileSet.Contains, format, '!', preSkips);
        entries.AddRange(other.Select(o => new ImportEntry(root + o.Name, null, null, o.Reason)));
        if (corruption is not null)
        {
            entries.Add(new ImportEntry(root, null, null, corruption));
        }
        // The second pass streams forward: entries are handed out in archive order (CelebA's are built in identity-list
        // order), so each read moves on from the one before and the archive is decompressed once.
        int Order(ImportEntry e) => e.SourcePath.Length > root.Length && positions.TryGetValue(e.SourcePath[root.Length..], out var p) ? p : int.MaxValue;
        return [.. entries.OrderBy(Order)];
    }

    /// <summary>
    /// The first pass: every header, data skipped. Stops at <see cref="ArchiveLimits.MaxEntries"/> (the archive is refused)
    /// and at a damaged or truncated stream (the headers read before it are kept; the reason is returned).
    /// </summary>
    /// <exception cref="InvalidDataException">too many entries, or not a tar archive at all (nothing readable in it).</exception>
    private static (List<TarHeader> Headers, Dictionary<string, int> Positions, string? Corruption) ReadTarHeaders(string tarPath, string archiveName, ArchiveLimits limits)
    {
        var headers = new List<TarHeader>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        string? corruption = null;
        var position = 0;
        var tooMany = false;
        using (var stream = OpenTarStream(tarPath))
        using (var tar = new TarReader(stream))
        {
            try
            {
                while (tar.GetNextEntry(copyData: false) is { } entry)
                {
                    var at = position++;
                    if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                    {
                        continue; // metadata for the entries after it (pax), not a file
                    }
                    if (headers.Count >= limits.MaxEntries)
                    {
                        tooMany = true;
                        break;
                    }
                    var name = NormaliseTarName(entry.Name);
                    if (name.Length == 0)
                    {
                        continue; // "./": the archive's own root folder
                    }
                    var type = entry.EntryType == TarEntryType.V7RegularFile && entry.Name.EndsWith('/') ? TarEntryType.Directory : entry.EntryType;
                    headers.Add(new TarHeader(at, name, type, entry.Length, entry.LinkName));
                    positions.TryAdd(name, at);
                }
            }
            catch (Exception ex) when (IsDamage(ex))
            {
                corruption = headers.Count == 0
                    ? throw new InvalidDataException($"{archiveName} is not a readable tar archive: it is damaged, incomplete or another kind of file ({ex.Message}). Nothing was imported from it.", ex)
                    : $"damaged archive: it cannot be read past {headers[^1].Name} ({ex.Message}); the {headers.Count:N0} entries before that point are read";
            }
        }
        if (tooMany)
        {
            throw new InvalidDataException($"{archiveName}: {limits.TooManyEntries(limits.MaxEntries + 1L, atLeast: true)}");
        }
        if (position == 0)
        {
            throw new InvalidDataException($"{archiveName} holds no tar entries: it is empty or not a tar archive. Nothing was imported from it.");
        }
        return (headers, positions, corruption);
    }

    /// <summary>What a damaged gzip or tar stream throws: a bad header or checksum, a cut-off stream, a bad number field.</summary>
    private static bool IsDamage(Exception ex) => ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentOutOfRangeException
        || (ex is IOException && ex is not FileNotFoundException and not DirectoryNotFoundException);

    private static string NormaliseTarName(string name)
    {
        var n = name.Replace('\\', '/').TrimStart('/');
        while (n.StartsWith("./", StringComparison.Ordinal))
        {
            n = n[2..].TrimStart('/');
        }
        return n == "." ? "" : n;
    }

    private static string NotRegularReason(TarHeader h) => h.Type switch
    {
        TarEntryType.SymbolicLink => $"not a regular file: a symbolic link (to {h.LinkName}), not followed",
        TarEntryType.HardLink => $"not a regular file: a hard link (to {h.LinkName}), not followed",
        TarEntryType.CharacterDevice => "not a regular file: a character device",
        TarEntryType.BlockDevice => "not a regular file: a block device",
        TarEntryType.Fifo => "not a regular file: a FIFO",
        TarEntryType.SparseFile => "not a regular file: a GNU sparse file (not supported)",
        _ => string.Create(CultureInfo.InvariantCulture, $"not a regular file: tar entry type '{(char)h.Type}'"),
    };

    /// <summary>The file as a tar stream: through a <see cref="GZipStream"/> when it starts with the gzip magic (1F 8B), else the file itself.</summary>
    private static Stream OpenTarStream(string tarPath)
    {
        var file = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            file.Position = 0;
            return gzip ? new GZipStream(file, CompressionMode.Decompress) : file; // a plain tar seeks past data it does not read
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The second pass: one forward reader, under a lock (the importer's producer reads one entry at a time, in archive
    /// order). Moving to an entry skips the data of those before it; an entry behind the reader (CelebA's lists, read
    /// first) reopens the archive. Bytes read count against <see cref="ArchiveLimits.MaxTotalBytes"/>. The file is closed
    /// after the last readable entry, or after a read error (the next read reopens it).
    /// </summary>
    private sealed class TarEntryReader(string tarPath, string archiveName, ArchiveLimits limits, int lastPosition)
    {
        private readonly Lock _gate = new();
        private Stream? _stream;
        private TarReader? _tar;
        private int _next;
        private long _readTotal;

        public byte[] Read(int position)
        {
            lock (_gate)
            {
                try
                {
                    if (_tar is null || _next > position)
                    {
                        Close();
                        _stream = OpenTarStream(tarPath);
                        _tar = new TarReader(_stream);
                        _next = 0;
                    }
                    TarEntry? entry = null;
                    while (_next <= position)
                    {
                        entry = _tar.GetNextEntry(copyData: false) ?? throw new InvalidDataException($"{archiveName} ended before entry {position}");
                        _next++;
                    }
                    var left = limits.MaxTotalBytes - _readTotal;
                    var limit = Math.Min(limits.MaxEntryBytes, left);
                    var bytes = entry!.DataStream is { } data
                        ? ArchiveLimits.ReadBounded(data, entry.Length, limit,
                            () => limit < limits.MaxEntryBytes ? limits.TotalTooLarge() : limits.EntryTooLarge(limits.MaxEntryBytes, atLeast: true))
                        : [];
                    _readTotal += bytes.Length;
                    if (bytes.Length != entry.Length)
                    {
                        // a stream cut inside this entry's data ends early without an error of its own
                        throw new EndOfStreamException(string.Create(CultureInfo.InvariantCulture, $"{bytes.Length:N0} of its {entry.Length:N0} bytes are there"));
                    }
                    if (position >= lastPosition)
                    {
                        Close();
                    }
                    return bytes;
                }
                catch (Exception ex) when (ex is not ImportEntryTooLargeException && IsDamage(ex))
                {
                    Close();
                    throw new InvalidDataException($"{archiveName} is damaged or cut off here ({ex.Message})", ex);
                }
            }
        }

        private void Close()
        {
            _tar?.Dispose();
            _stream?.Dispose();
            _tar = null;
            _stream = null;
        }
    }
}
