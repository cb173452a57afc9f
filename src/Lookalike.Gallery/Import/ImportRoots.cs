namespace Lookalike.Gallery.Import;

/// <summary>
/// The folders a web import may read from the server (<c>Lookalike:ImportRoots</c>). Both the roots and every requested
/// path are made canonical — full, <c>..</c> removed, every symbolic link along the way resolved — before they are
/// compared, so neither <c>..</c> nor a link inside a root leads out of it. With no roots configured, no server path is
/// allowed. The command-line <c>import</c> verb does not use this: the operator on the machine may import any path.
/// </summary>
public sealed class ImportRoots
{
    /// <summary>Refusal when no roots are configured.</summary>
    public const string NotConfiguredMessage =
        "Importing a server folder from the web is off: list the allowed folders in Lookalike:ImportRoots (appsettings.json, or Lookalike__ImportRoots__0=<folder>). The command-line import verb is not restricted.";

    /// <summary>Refusal of a path outside every root.</summary>
    public const string OutsideMessage =
        "This path is outside the folders allowed for import (Lookalike:ImportRoots; symbolic links are resolved before the check).";

    /// <summary>Skip reason of a file or folder, inside an allowed folder, that is a symbolic link to somewhere outside the roots.</summary>
    public const string OutsideLinkReason = "outside the import roots: a symbolic link pointing out of Lookalike:ImportRoots";

    private const int MaxLinkDepth = 40;
    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    private readonly List<string> _roots;

    /// <summary>Roots from configuration; relative ones resolve against the current directory, blank ones are ignored.</summary>
    public ImportRoots(IEnumerable<string>? roots)
    {
        _roots = (roots ?? []).Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Canonicalize(r.Trim())).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>True when at least one root is configured.</summary>
    public bool IsConfigured => _roots.Count > 0;

    /// <summary>The canonical path of <paramref name="requested"/> when it lies in a root (the path to import, so what was checked is what is read).</summary>
    /// <exception cref="ImportRootException">no roots are configured, or the canonical path is outside all of them (the message names the rule, never the roots).</exception>
    public string Authorize(string requested)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requested);
        if (!IsConfigured)
        {
            throw new ImportRootException(NotConfiguredMessage);
        }
        string canonical;
        try
        {
            canonical = Canonicalize(requested.Trim());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImportRootException(OutsideMessage, ex);
        }
        return Contains(canonical) ? canonical : throw new ImportRootException(OutsideMessage);
    }

    /// <summary>True when the (canonical) path is a root or below one.</summary>
    public bool Contains(string canonicalPath)
    {
        ArgumentNullException.ThrowIfNull(canonicalPath);
        foreach (var root in _roots)
        {
            if (canonicalPath.Equals(root, PathComparison)
                || (canonicalPath.StartsWith(root, PathComparison) && (root.EndsWith(Path.DirectorySeparatorChar) || canonicalPath[root.Length] == Path.DirectorySeparatorChar)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="path"/> resolves (through its links) to a place inside a root; false also when it cannot be resolved.</summary>
    internal bool ResolvesInside(string path)
    {
        try
        {
            return Contains(Canonicalize(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The full path with every symbolic link along it resolved (recursively, the link's target read with
    /// <see cref="FileSystemInfo.LinkTarget"/> and resolved again); parts that do not exist are kept as written.
    /// </summary>
    /// <exception cref="IOException">more than 40 links in a chain (a loop).</exception>
    public static string Canonicalize(string path) => Canonicalize(path, 0);

    private static string Canonicalize(string path, int depth)
    {
        if (depth > MaxLinkDepth)
        {
            throw new IOException("too many levels of symbolic links");
        }
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var segment in full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, segment);
            var target = new FileInfo(next).LinkTarget;
            current = target is null ? next : Canonicalize(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
        }
        return current;
    }
}

/// <summary>A server path refused by <see cref="ImportRoots"/>; the message says why and how to allow it.</summary>
public sealed class ImportRootException : UnauthorizedAccessException
{
    /// <summary>Creates the exception.</summary>
    public ImportRootException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public ImportRootException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public ImportRootException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
