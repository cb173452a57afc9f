using System.Globalization;
using System.IO.Compression;
using System.IO.Enumeration;
using System.Text.RegularExpressions;

namespace Lookalike.Gallery.Import;

/// <summary>Layout of an import source.</summary>
public enum ImportFormat
{
    /// <summary>Detect from the layout: CelebA when an identity list is present, else a folder per person (LFW is one).</summary>
    Auto,
    /// <summary><c>&lt;root&gt;/&lt;First_Last&gt;/&lt;First_Last&gt;_0001.jpg</c> → person "First Last".</summary>
    Lfw,
    /// <summary><c>img_celeba/</c> or <c>img_align_celeba/</c> plus <c>identity_CelebA.txt</c> → person "CelebA #&lt;id&gt;" (or a name from <c>names.txt</c>: <c>&lt;id&gt; &lt;name&gt;</c>).</summary>
    CelebA,
    /// <summary>One subfolder per person; loose files are named by their file name without trailing digits.</summary>
    Folder,
}

/// <summary>
/// One file of an import source: a stable key (the full path, or <c>archive.zip!entry</c>), the person it shows, how to read
/// its bytes, or why it is skipped before reading (hidden file, bad list line, missing file).
/// </summary>
public sealed record ImportEntry(string SourcePath, string? Person, Func<byte[]>? Read, string? PreSkipReason);

/// <summary>Turns a folder, zip or tar in one of the <see cref="ImportFormat"/> layouts into <see cref="ImportEntry"/> items.</summary>
public static partial class ImportSources
{
    private static readonly string[] IdentityFileNames = ["identity_CelebA.txt", "identity_CelebA_subset.txt"];
    private static readonly string[] CelebAImageFolders = ["img_celeba", "img_align_celeba"];

    /// <summary>Skip reason for hidden and operating-system files.</summary>
    public const string HiddenReason = "hidden or system file";

    /// <summary>Lists every entry of <paramref name="path"/> (a folder, a .zip, or a .tgz/.tar.gz/.tar) under the default <see cref="ArchiveLimits"/>, following every link.</summary>
    /// <exception cref="FileNotFoundException">the path does not exist.</exception>
    public static IReadOnlyList<ImportEntry> Enumerate(string path, ImportFormat format) => Enumerate(path, format, ArchiveLimits.Default, null);

    /// <summary>
    /// Lists every entry of <paramref name="path"/> (a folder, a .zip, or a .tgz/.tar.gz/.tar: see the tar reader in ImportSources.Tar.cs). A file or archive entry larger than
    /// <see cref="ArchiveLimits.MaxEntryBytes"/> (by its declared size), and archive entries past
    /// <see cref="ArchiveLimits.MaxTotalBytes"/>, are pre-skipped without being read; reads stop at the limits however
    /// many bytes really come out. With <paramref name="roots"/>, files and folders inside the folder that are
    /// symbolic links pointing out of the roots are skipped (<see cref="ImportRoots.OutsideLinkReason"/>) and not followed.
    /// </summary>
    /// <exception cref="FileNotFoundException">the path does not exist.</exception>
    /// <exception cref="InvalidDataException">an archive with more than <see cref="ArchiveLimits.MaxEntries"/> entries, or a tar/gzip that is unreadable from its start.</exception>
    public static IReadOnlyList<ImportEntry> Enumerate(string path, ImportFormat format, ArchiveLimits limits, ImportRoots? roots)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(limits);
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            return EnumerateZip(full, format, limits);
        }
        if (File.Exists(full) && IsTarName(full))
        {
            return EnumerateTar(full, format, limits);
        }
        if (File.Exists(full))
        {
            // A single photo: the person is its file name without trailing digits.
            return [new ImportEntry(full, PersonFromLooseFile(Path.GetFileName(full)), () => ReadFile(full, limits), null)];
        }
        if (!Directory.Exists(full))
        {
            throw new FileNotFoundException($"{path}: no such folder, .zip, .tgz/.tar.gz or .tar file", path);
        }
        var (files, emptyFolders, outside) = Walk(full, roots);
        var entries = Build(full, files, emptyFolders, rel => ReadFile(Path.Combine(full, rel), limits), rel => File.Exists(Path.Combine(full, rel)), format, '/');
        entries.AddRange(outside.Select(rel => new ImportEntry(Path.Combine(full, rel), null, null, ImportRoots.OutsideLinkReason)));
        return entries;
    }

    /// <summary>
    /// The files (relative, '/'-separated, ordinal order) and empty folders below <paramref name="full"/>; with
    /// <paramref name="roots"/>, links that resolve outside them are listed apart and not followed.
    /// </summary>
    private static (List<string> Files, List<string> EmptyFolders, List<string> Outside) Walk(string full, ImportRoots? roots)
    {
        var outside = new List<string>();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        var folders = new List<string>();
        bool LeadsOut(ref FileSystemEntry e) =>
            roots is not null && (e.Attributes & FileAttributes.ReparsePoint) != 0 && !roots.ResolvesInside(e.ToFullPath());
        var walk = new FileSystemEnumerable<(string Path, bool IsDirectory, bool Out)>(
            full,
            (ref FileSystemEntry e) => (e.ToFullPath(), e.IsDirectory, LeadsOut(ref e)),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true, MaxRecursionDepth = 64 })
        {
            ShouldRecursePredicate = (ref FileSystemEntry e) => !LeadsOut(ref e),
        };
        var files = new List<string>();
        foreach (var (path, isDirectory, leadsOut) in walk)
        {
            var rel = Path.GetRelativePath(full, path).Replace('\\', '/');
            var slash = rel.LastIndexOf('/');
            parents.Add(slash < 0 ? "" : rel[..slash]);
            (leadsOut ? outside : isDirectory ? folders : files).Add(rel);
        }
        files.Sort(StringComparer.Ordinal);
        outside.Sort(StringComparer.Ordinal);
        return (files, folders.Where(d => !parents.Contains(d)).ToList(), outside);
    }

    /// <summary>
    /// Reads a file, but never opens one whose size is zero: that is an empty file, or a FIFO, device or socket (their size is 0
    /// too), and opening a FIFO blocks until a writer comes — which would hang the import. Those read as no bytes ("empty file").
    /// A file larger than <see cref="ArchiveLimits.MaxEntryBytes"/> is refused from its size, before it is opened.
    /// </summary>
    /// <exception cref="ImportEntryTooLargeException">the file is (or grows) larger than the limit.</exception>
    internal static byte[] ReadFile(string path, ArchiveLimits limits)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            return info.Exists ? [] : throw new FileNotFoundException($"{path}: no such file", path);
        }
        if (info.Length > limits.MaxEntryBytes)
        {
            throw new ImportEntryTooLargeException(limits.EntryTooLarge(info.Length, atLeast: false));
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return ArchiveLimits.ReadBounded(stream, info.Length, limits.MaxEntryBytes, () => limits.EntryTooLarge(limits.MaxEntryBytes, atLeast: true));
    }

    private static List<ImportEntry> EnumerateZip(string zipPath, ImportFormat format, ArchiveLimits limits)
    {
        // The count is read from the end record first, so a zip of millions of entries is refused before they are parsed.
        if (ArchiveLimits.DeclaredZipEntryCount(zipPath) is { } declared && declared > limits.MaxEntries)
        {
            throw new InvalidDataException($"{Path.GetFileName(zipPath)}: {limits.TooManyEntries(declared)}");
        }
        using var archive = ZipFile.OpenRead(zipPath);
        if (archive.Entries.Count > limits.MaxEntries)
        {
            throw new InvalidDataException($"{Path.GetFileName(zipPath)}: {limits.TooManyEntries(archive.Entries.Count)}");
        }
        var files = archive.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName.Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var emptyFolders = archive.Entries.Where(e => e.FullName.EndsWith('/'))
            .Select(e => e.FullName.TrimEnd('/'))
            .Where(d => !files.Any(f => f.StartsWith(d + "/", StringComparison.Ordinal)))
            .ToList();
        var fileSet = files.ToHashSet(StringComparer.Ordinal);
        // Declared sizes decide, before any byte is read, which entries are over a limit (in the order they are listed).
        var declaredSizes = archive.Entries.Where(e => !e.FullName.EndsWith('/')).GroupBy(e => e.FullName.Replace('\\', '/'), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Length, StringComparer.Ordinal);
        var preSkips = new Dictionary<string, string>(StringComparer.Ordinal);
        long declaredTotal = 0;
        foreach (var rel in files)
        {
            var length = declaredSizes[rel];
            if (length > limits.MaxEntryBytes)
            {
                preSkips[rel] = limits.EntryTooLarge(length, atLeast: false);
            }
            else if ((declaredTotal += length) > limits.MaxTotalBytes)
            {
                preSkips[rel] = limits.TotalTooLarge();
            }
        }
        // A zip is read entry by entry under a lock: ZipArchive is not thread-safe. Bytes really read are counted
        // against the total too, since a declared size may lie.
        var gate = new Lock();
        ZipArchive? shared = null;
        long readTotal = 0;
        byte[] ReadEntry(string rel)
        {
            lock (gate)
            {
                if (preSkips.TryGetValue(rel, out var reason))
                {
                    throw new ImportEntryTooLargeException(reason);
                }
                shared ??= ZipFile.OpenRead(zipPath);
                var entry = shared.GetEntry(rel) ?? throw new FileNotFoundException($"{rel} not in {Path.GetFileName(zipPath)}");
                var left = limits.MaxTotalBytes - readTotal;
                var limit = Math.Min(limits.MaxEntryBytes, left);
                using var stream = entry.Open();
                var bytes = ArchiveLimits.ReadBounded(stream, entry.Length, limit,
                    () => limit < limits.MaxEntryBytes ? limits.TotalTooLarge() : limits.EntryTooLarge(limits.MaxEntryBytes, atLeast: true));
                readTotal += bytes.Length;
                return bytes;
            }
        }
        return Build(zipPath + "!", files, emptyFolders, ReadEntry, fileSet.Contains, format, '!', preSkips);
    }

    private static List<ImportEntry> Build(
        string root, List<string> files, List<string> emptyFolders, Func<string, byte[]> read, Func<string, bool> exists, ImportFormat format, char rootSeparator,
        Dictionary<string, string>? preSkips = null)
    {
        string Key(string rel) => rootSeparator == '/' ? Path.Combine(root, rel) : root + rel;
        var entries = new List<ImportEntry>();

        // The archive may wrap everything in one top folder (gallery.zip → gallery/…): strip a common prefix folder.
        var prefix = CommonTopFolder(files);
        if (format == ImportFormat.Auto)
        {
            format = files.Any(f => IdentityFileNames.Contains(Path.GetFileName(f), StringComparer.OrdinalIgnoreCase)) ? ImportFormat.CelebA : ImportFormat.Folder;
        }

        foreach (var folder in emptyFolders)
        {
            if (!IsHidden(folder))
            {
                entries.Add(new ImportEntry(Key(folder), null, null, "no images: empty folder"));
            }
        }

        if (format == ImportFormat.CelebA)
        {
            AddCelebA(files, Key, read, exists, entries);
            return entries;
        }

        foreach (var rel in files)
        {
            if (IsHidden(rel))
            {
                entries.Add(new ImportEntry(Key(rel), null, null, HiddenReason));
                continue;
            }
            var inner = rel[prefix.Length..];
            var slash = inner.IndexOf('/', StringComparison.Ordinal);
            var person = slash > 0 ? PersonFromFolder(inner[..slash]) : PersonFromLooseFile(Path.GetFileName(inner));
            var captured = rel;
            entries.Add(preSkips is not null && preSkips.TryGetValue(rel, out var tooLarge)
                ? new ImportEntry(Key(rel), person, null, tooLarge)
                : new ImportEntry(Key(rel), person, () => read(captured), null));
        }
        return entries;
    }

    private static void AddCelebA(List<string> files, Func<string, string> key, Func<string, byte[]> read, Func<string, bool> exists, List<ImportEntry> entries)
    {
        var identityRel = files.FirstOrDefault(f => IdentityFileNames.Contains(Path.GetFileName(f), StringComparer.OrdinalIgnoreCase))
            ?? throw new InvalidDataException("CelebA layout needs identity_CelebA.txt (or identity_CelebA_subset.txt) beside img_celeba/ or img_align_celeba/.");
        var baseDir = identityRel.Contains('/', StringComparison.Ordinal) ? identityRel[..(identityRel.LastIndexOf('/') + 1)] : "";
        var imageDirRel = CelebAImageFolders.Select(d => baseDir + d).FirstOrDefault(d => files.Any(f => f.StartsWith(d + "/", StringComparison.Ordinal)))
            ?? throw new InvalidDataException($"CelebA layout needs an img_celeba/ or img_align_celeba/ folder beside {Path.GetFileName(identityRel)}.");

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var namesRel = files.FirstOrDefault(f => f == baseDir + "names.txt" || f == baseDir + "identity_names.txt");
        if (namesRel is not null)
        {
            foreach (var line in ReadLines(read(namesRel)))
            {
                var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 2)
                {
                    names.TryAdd(parts[0], parts[1]);
                }
            }
        }

        var identityKey = key(identityRel);
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in ReadLines(read(identityRel)))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !IsImageName(parts[0]) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                entries.Add(new ImportEntry($"{identityKey}:{lineNumber}", null, null, $"bad line: line {lineNumber} of {Path.GetFileName(identityRel)} is not '<file> <identity>': \"{Truncate(line)}\""));
                continue;
            }
            if (identities.TryGetValue(parts[0], out var first))
            {
                if (first != parts[1])
                {
                    entries.Add(new ImportEntry($"{identityKey}:{lineNumber}", null, null,
                        $"conflicting identity: line {lineNumber} gives {parts[0]} identity {parts[1]}, the first mapping ({first}) is kept"));
                }
                continue;
            }
            identities[parts[0]] = parts[1];
        }

        foreach (var (file, id) in identities)
        {
            var rel = imageDirRel + "/" + file;
            var person = names.TryGetValue(id, out var name) ? name : $"CelebA #{id}";
            entries.Add(exists(rel)
                ? new ImportEntry(key(rel), person, () => read(rel), null)
                : new ImportEntry(key(rel), person, null, "file not found: listed in the identity file but absent"));
        }
        foreach (var rel in files.Where(f => f.StartsWith(imageDirRel + "/", StringComparison.Ordinal)))
        {
            var file = rel[(imageDirRel.Length + 1)..];
            if (IsHidden(rel))
            {
                entries.Add(new ImportEntry(key(rel), null, null, HiddenReason));
            }
            else if (!identities.ContainsKey(file))
            {
                entries.Add(new ImportEntry(key(rel), null, null, "no identity: not listed in the identity file"));
            }
        }
    }

    private static IEnumerable<string> ReadLines(byte[] bytes)
    {
        using var reader = new StringReader(System.Text.Encoding.UTF8.GetString(bytes));
        while (reader.ReadLine() is { } line)
        {
            yield return line.Trim();
        }
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static bool IsImageName(string name) => name.Contains('.', StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal);

    private static string CommonTopFolder(List<string> files)
    {
        var visible = files.Where(f => !IsHidden(f)).ToList();
        if (visible.Count == 0)
        {
            return "";
        }
        var first = visible[0];
        var slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "";
        }
        var top = first[..(slash + 1)];
        // Only strip it when every file is below it and below it are further folders (the person folders). A loose
        // file in the top folder that is not a photo by its name (notes.txt, README.md) does not stop that: it is
        // then skipped on its own instead of turning the whole archive into one person named after the top folder.
        return visible.All(f => f.StartsWith(top, StringComparison.Ordinal) && (f.AsSpan(top.Length).Contains('/') || !LooksLikePhoto(f)))
            && visible.Any(f => f.AsSpan(top.Length).Contains('/'))
            ? top
            : "";
    }

    /// <summary>File extensions of the formats the decoder reads (JPEG, PNG, WebP, BMP, GIF).</summary>
    private static readonly string[] PhotoExtensions = [".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".gif"];

    private static bool LooksLikePhoto(string path) => PhotoExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A source path as shown to people (web pages, skip reasons): the file and the folder it is in
    /// (<c>Person_A/Person_A_0001.jpg</c>), or the archive's file name and the entry (<c>gallery.zip!Person_A/a.jpg</c>),
    /// never the folders above it on the server.
    /// </summary>
    public static string DisplayName(string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        var bang = sourcePath.IndexOf('!', StringComparison.Ordinal);
        if (bang > 0 && IsArchiveName(sourcePath[..bang]))
        {
            return Path.GetFileName(sourcePath[..bang]) + sourcePath[bang..];
        }
        if (!Path.IsPathRooted(sourcePath))
        {
            return sourcePath; // upload:<hash>/<name> and the like carry no server folder
        }
        var name = Path.GetFileName(sourcePath);
        var folder = Path.GetFileName(Path.GetDirectoryName(sourcePath));
        return string.IsNullOrEmpty(folder) ? name : folder + "/" + name;
    }

    /// <summary>True for macOS/Windows debris: dot files, AppleDouble <c>._*</c>, <c>__MACOSX/</c>, <c>Thumbs.db</c>, <c>desktop.ini</c>.</summary>
    public static bool IsHidden(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        foreach (var segment in relativePath.Split('/', '\\'))
        {
            if (segment.StartsWith('.') || segment.Equals("__MACOSX", StringComparison.OrdinalIgnoreCase)
                || segment.Equals("Thumbs.db", StringComparison.OrdinalIgnoreCase) || segment.Equals("desktop.ini", StringComparison.OrdinalIgnoreCase)
                || segment.Equals("$RECYCLE.BIN", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>"George_W_Bush" → "George W Bush".</summary>
    public static string PersonFromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Spaces().Replace(folder.Replace('_', ' '), " ").Trim();
    }

    /// <summary>"Ada_Lovelace_0002.jpg" → "Ada Lovelace"; a name that is only digits stays as it is.</summary>
    public static string PersonFromLooseFile(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var trimmed = TrailingDigits().Replace(stem, "");
        var name = PersonFromFolder(trimmed.Replace('-', ' '));
        return name.Length == 0 ? stem : name;
    }

    [GeneratedRegex(@"[\s_\-\.]*\(?\d+\)?$")]
    private static partial Regex TrailingDigits();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
