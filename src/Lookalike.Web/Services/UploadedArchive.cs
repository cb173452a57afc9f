namespace Lookalike.Web.Services;

/// <summary>
/// An uploaded gallery archive kept on disk until its import ends: a private temporary folder holding the file under
/// its own (sanitised) name, so skip reasons and summaries read <c>people.zip!Person/photo.jpg</c>, never a server
/// temp path. <see cref="Delete"/> removes the folder.
/// </summary>
public sealed class UploadedArchive
{
    private UploadedArchive(string folder, string path)
    {
        Folder = folder;
        Path = path;
    }

    /// <summary>The private temporary folder.</summary>
    public string Folder { get; }

    /// <summary>The archive's path inside <see cref="Folder"/>.</summary>
    public string Path { get; }

    /// <summary>Copies <paramref name="source"/> to a new private folder under the name <paramref name="originalName"/> (sanitised; ".zip" appended when it has no archive extension: .zip, .tgz, .tar.gz, .tar).</summary>
    /// <exception cref="IOException">The disk is full or the temp folder is not writable (the folder is removed).</exception>
    public static async Task<UploadedArchive> SaveAsync(Stream source, string? originalName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var folder = Directory.CreateTempSubdirectory("lookalike-upload-").FullName;
        var archive = new UploadedArchive(folder, System.IO.Path.Combine(folder, SafeName(originalName)));
        try
        {
            await using var target = File.Create(archive.Path);
            await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            archive.Delete();
            throw;
        }
        return archive;
    }

    /// <summary>Removes the folder and the archive (never throws).</summary>
    public void Delete()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // already gone or held open; the OS temp cleaner takes it
        }
        catch (UnauthorizedAccessException)
        {
            // same
        }
    }

    /// <summary>The file name part of <paramref name="name"/> with anything but letters, digits, '.', '-', '_' and spaces replaced; "gallery.zip" when empty.</summary>
    public static string SafeName(string? name)
    {
        var file = System.IO.Path.GetFileName((name ?? "").Replace('\\', '/').Split('/')[^1]);
        var safe = new string(file.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or ' ' ? c : '_').ToArray()).Trim().TrimStart('.');
        if (safe.Length == 0)
        {
            return "gallery.zip";
        }
        if (safe.Length > 100)
        {
            safe = safe[^100..];
        }
        var lower = safe.ToLowerInvariant();
        return Lookalike.Gallery.Import.ImportSources.IsArchiveName(lower) ? safe : safe + ".zip";
    }
}
