using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lookalike.Gallery.Import;

/// <summary>
/// One share of a distributed import (<c>import &lt;path&gt; --shard i/n</c>): <see cref="Index"/> is 0-based,
/// 0 ≤ <see cref="Index"/> &lt; <see cref="Count"/>. A file belongs to the share whose index is the first 8 bytes of the
/// SHA-256 of its path relative to the import root (UTF-8, '/'-separated; the entry name inside a .zip), read as a
/// big-endian unsigned integer, modulo <see cref="Count"/>. That depends on nothing but the relative path, so n processes
/// on n machines over one store, each given the same root and its own <c>i</c>, split a gallery with every file in
/// exactly one share, whatever the machine, runtime or folder the gallery is mounted at.
/// </summary>
public sealed record ImportShard
{
    /// <summary>The whole import as one share (0/1).</summary>
    public static readonly ImportShard All = new(0, 1);

    /// <summary>A share.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> &lt; 1, or <paramref name="index"/> not in [0, count).</exception>
    public ImportShard(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        Index = index;
        Count = count;
    }

    /// <summary>This share's 0-based index.</summary>
    public int Index { get; }

    /// <summary>The number of shares.</summary>
    public int Count { get; }

    /// <summary>Whether this is the whole import (n = 1).</summary>
    public bool IsAll => Count == 1;

    /// <summary>Parses <c>i/n</c> (0-based: <c>0/2</c> and <c>1/2</c> are the two halves).</summary>
    /// <exception cref="FormatException">not two integers separated by '/', n &lt; 1, or i not in [0, n), with a message that says which.</exception>
    public static ImportShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new FormatException($"--shard '{text}': expected i/n, two whole numbers such as 0/2 (i is 0-based)");
        }
        if (count < 1)
        {
            throw new FormatException($"--shard '{text}': n must be at least 1");
        }
        if (index >= count)
        {
            throw new FormatException($"--shard '{text}': i is 0-based and must be below n (0/{count} … {count - 1}/{count})");
        }
        return new ImportShard(index, count);
    }

    /// <summary>The share (0 … <paramref name="count"/> − 1) of a path relative to the import root.</summary>
    public static int ShareOf(string relativePath, int count)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(relativePath.Replace('\\', '/')), digest);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)count);
    }

    /// <summary>Whether the file at <paramref name="relativePath"/> (relative to the import root) is in this share.</summary>
    public bool Contains(string relativePath) => IsAll || ShareOf(relativePath, Count) == Index;

    /// <summary>
    /// The shard key of an entry that <see cref="ImportSources.Enumerate(string, ImportFormat, ArchiveLimits, ImportRoots?)"/>
    /// listed from <paramref name="root"/>: its path relative to the folder, the entry name inside a .zip, or the file
    /// name of a single photo.
    /// </summary>
    public static string KeyOf(string root, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(sourcePath);
        var full = Path.GetFullPath(root);
        if (File.Exists(full) && full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) && sourcePath.StartsWith(full + "!", StringComparison.Ordinal))
        {
            return sourcePath[(full.Length + 1)..];
        }
        if (string.Equals(sourcePath, full, StringComparison.Ordinal))
        {
            return Path.GetFileName(full);
        }
        return Path.GetRelativePath(full, sourcePath).Replace('\\', '/');
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
