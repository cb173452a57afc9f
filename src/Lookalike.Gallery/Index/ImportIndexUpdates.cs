namespace Lookalike.Gallery.Index;

/// <summary>
/// How an import reaches the index. When the live index is in use (the web app started it) every stored batch is added
/// to it at once and the file is saved at the end; when it is not (the CLI), the import leaves the index alone while it
/// writes and brings the index file up to date once at the end (loaded, or rebuilt from the store when it changed).
/// </summary>
public sealed class ImportIndexUpdates(LiveGallery gallery)
{
    /// <summary>Before the first file: waits for a live index that is still loading (so no batch is lost on its swap).</summary>
    public Task BeforeImportAsync(CancellationToken cancellationToken) =>
        gallery.IsStarted ? gallery.EnsureReadyAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>The store dropped stale descriptors: a live index is rebuilt from what remains.</summary>
    public Task DescriptorsDroppedAsync(CancellationToken cancellationToken) =>
        gallery.IsStarted ? gallery.RebuildAsync(cancellationToken: cancellationToken) : Task.CompletedTask;

    /// <summary>A batch was stored.</summary>
    public void Added(IReadOnlyList<(FaceRef Face, float[] Descriptor)> added)
    {
        if (gallery.IsStarted)
        {
            gallery.AddFaces(added);
        }
    }

    /// <summary>After the last batch: saves the live index, or brings the file up to date when the store changed.</summary>
    /// <param name="storeChanged">Faces were added or descriptors dropped.</param>
    /// <param name="cancellationToken">Cancels bringing the index file up to date.</param>
    public async Task AfterImportAsync(bool storeChanged, CancellationToken cancellationToken)
    {
        if (gallery.IsStarted)
        {
            gallery.Persist();
        }
        else if (storeChanged)
        {
            await gallery.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
