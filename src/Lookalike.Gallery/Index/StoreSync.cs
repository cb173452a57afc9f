using Microsoft.Extensions.Logging;

namespace Lookalike.Gallery.Index;

/// <summary>
/// Keeps the live index in step with faces another process (a CLI <c>import</c> into the same store) wrote: cheap when
/// nothing changed (one fingerprint query), never mixes in descriptors of another model (<see cref="ModelStalenessPolicy"/>).
/// Faces removed from the store by another process are not dropped (the web app's own deletes go through
/// <see cref="LiveGallery.RemoveFaces"/>). The web app calls <see cref="SyncWithStore"/> every few seconds.
/// </summary>
public sealed partial class StoreSync(IGalleryStore store, LiveGallery gallery, ModelStalenessPolicy staleness, IndexStatusBoard status, ILogger<StoreSync> logger)
{
    private StoreFingerprint _last = new(-1, -1);

    /// <summary>Adds what another process stored since the last call, only while the index is ready.</summary>
    /// <returns>How many faces were added.</returns>
    public int SyncWithStore()
    {
        if (status.Current.State != IndexState.Ready)
        {
            return 0;
        }
        var fingerprint = store.GetFaceFingerprint();
        if (fingerprint == _last)
        {
            return 0;
        }
        var snapshot = gallery.Current;
        // Stored faces whose descriptor cannot be indexed (left out, see DescriptorScreen) count as known.
        if (fingerprint.Count <= snapshot.Count + gallery.SkippedCount
            && (snapshot.Faces.ContainsKey(fingerprint.MaxFaceId) || gallery.IsSkipped(fingerprint.MaxFaceId)))
        {
            _last = fingerprint;
            return 0;
        }
        // Faces another process stored with another model or other descriptor settings must not be mixed into the index.
        var stale = staleness.Check(store.GetModel());
        if (stale is not null)
        {
            if (status.Current.StaleModelMessage is null)
            {
                LogStaleModel(stale);
            }
            status.SetStale(stale);
            status.SetMessage(stale);
            return 0; // the fingerprint is not recorded: the next sync checks the model again (one meta query)
        }
        status.SetStale(null); // the gallery was re-imported with this app's settings
        var readAt = gallery.CurationGeneration;
        var added = gallery.TryAddMissing(store.ReadAllEmbeddings(snapshot.Dimension), readAt);
        if (added is null)
        {
            return 0; // a rebuild is running (it reads the store itself), or a curation made the read stale: next time
        }
        _last = fingerprint;
        if (added > 0)
        {
            LogSynced(added.Value);
            status.Notify();
        }
        return added.Value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Added {Count} faces another process stored to the live index")]
    private partial void LogSynced(int count);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogStaleModel(string message);
}
