using Lookalike.Gallery.Import;

namespace Lookalike.Web.Services;

/// <summary>
/// Runs one gallery import at a time in the background for the gallery page (singleton: the job survives page changes),
/// and publishes its progress.
/// </summary>
public sealed class ImportJobs(GalleryImporter importer, ILogger<ImportJobs> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _cancel;

    /// <summary>True while an import runs.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>What is being imported.</summary>
    public string? Source { get; private set; }

    /// <summary>The latest progress.</summary>
    public ImportProgress? Progress { get; private set; }

    /// <summary>The last finished import.</summary>
    public ImportSummary? LastSummary { get; private set; }

    /// <summary>The last import's failure, if any.</summary>
    public string? Error { get; private set; }

    /// <summary>Raised on a background thread when anything changes.</summary>
    public event Action? Changed;

    /// <summary>Starts importing <paramref name="path"/>; false when another import runs.</summary>
    /// <param name="path">A server path already checked with <see cref="ImportRoots.Authorize"/>, or an upload's temporary file.</param>
    /// <param name="format">The source format.</param>
    /// <param name="cleanup">Run when the import ends (deletes an upload's temporary file).</param>
    /// <param name="roots">For a server folder: links inside it that point out of the roots are skipped; null for an upload.</param>
    public bool TryStart(string path, ImportFormat format, Action? cleanup = null, ImportRoots? roots = null)
    {
        lock (_gate)
        {
            if (IsRunning)
            {
                return false;
            }
            IsRunning = true;
            Source = path;
            Progress = null;
            Error = null;
            LastSummary = null; // the page shows this job's outcome only, never the previous one's beside it
            _cancel?.Dispose();
            _cancel = new CancellationTokenSource();
        }
        var token = _cancel.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                LastSummary = await importer.ImportAsync(path, format, roots, new Progress<ImportProgress>(p => { Progress = p; Changed?.Invoke(); }), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "Import of {Path} failed", path);
                Error = ex switch
                {
                    // System.IO.Compression's own words ("Central Directory corrupt.") mean nothing to a person
                    InvalidDataException when ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.IO.Compression", StringComparison.Ordinal) == true =>
                        $"{Path.GetFileName(path)} is not a readable archive: it is damaged, incomplete or another kind of file. Nothing was imported from it.",
                    InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => ex.Message,
                    IOException => "The import stopped on a read or write error (" + ex.Message + "). What was stored stays; importing again resumes.",
                    _ => "The import stopped on an unexpected error; the server's log has the details. What was stored stays; importing again resumes.",
                };
            }
            finally
            {
                cleanup?.Invoke(); // the uploaded archive is gone before the job reports that it ended
                IsRunning = false;
                Changed?.Invoke();
            }
        }, CancellationToken.None);
        Changed?.Invoke();
        return true;
    }

    /// <summary>Cancels the running import (what is committed stays; a re-import resumes).</summary>
    public void Cancel() => _cancel?.Cancel();

    public void Dispose() => _cancel?.Dispose();
}
