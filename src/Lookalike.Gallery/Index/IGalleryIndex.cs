using Lookalike.Index;

namespace Lookalike.Gallery.Index;

/// <summary>
/// The live index as pages and endpoints see it: the current searchable snapshot (read-only), its status, change
/// notifications, and the two tuning actions. Implemented by <see cref="LiveGallery"/>.
/// </summary>
public interface IGalleryIndex
{
    /// <summary>The current searchable gallery; replaced atomically by rebuilds.</summary>
    GallerySnapshot Current { get; }

    /// <summary>State, progress, message, staleness and counters.</summary>
    IndexStatus Status { get; }

    /// <summary>Subscribes to status and content changes (raised on a background thread); dispose the result to unsubscribe.</summary>
    IDisposable NotifyOnChange(Action callback);

    /// <summary>Rebuilds with new M / efConstruction / default efSearch in the background and swaps the result in.</summary>
    /// <exception cref="ArgumentException">The parameters are outside <see cref="GalleryLimits"/>.</exception>
    Task<TimeSpan> RebuildAsync(HnswOptions parameters, bool persistParameters, IProgress<double>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Sets and stores the default efSearch (no rebuild).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1…<see cref="GalleryLimits.MaxDefaultEfSearch"/>.</exception>
    void SetDefaultEfSearch(int efSearch);
}
