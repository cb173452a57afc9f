using Lookalike.Faces;
using Lookalike.Faces.AgeGender;
using Microsoft.Extensions.Logging;

namespace Lookalike.Gallery.Estimates;

/// <summary>
/// Gives every stored face that lacks one its age/sex estimate, from the stored 112×112 thumbnail (no photo is read
/// again): batches of <see cref="BatchSize"/> faces, each batch stored in one transaction, so a kill loses at most one
/// batch and a rerun continues. Run by the <c>backfill-age-sex</c> verb and in the background at app start. Thread-safe.
/// </summary>
public sealed class FaceEstimateBackfill(IGalleryStore store, ChipAgeGenderEstimator estimator, ILogger<FaceEstimateBackfill> logger)
{
    /// <summary>Faces read, estimated and stored per transaction.</summary>
    public const int BatchSize = 64;

    /// <summary>Estimates every face without an estimate.</summary>
    /// <param name="progress">Receives (done, total) after each batch.</param>
    /// <param name="ct">Cancels between faces; what was stored stays.</param>
    /// <returns>How many faces got an estimate (a thumbnail that cannot be decoded is logged and gets the
    /// uncertain estimate 0.5, so it is never retried forever).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public int Run(IProgress<(int Done, int Total)>? progress = null, CancellationToken ct = default)
    {
        var total = store.CountFacesWithoutEstimate();
        var done = 0;
        while (true)
        {
            var batch = store.GetFacesWithoutEstimate(BatchSize);
            if (batch.Count == 0)
            {
                return done;
            }
            var estimates = new List<(long, AgeGenderEstimate)>(batch.Count);
            foreach (var (faceId, thumbnail) in batch)
            {
                ct.ThrowIfCancellationRequested();
                AgeGenderEstimate estimate;
                try
                {
                    estimate = estimator.Estimate(thumbnail);
                }
                catch (ImageRejectedException e)
                {
                    logger.LogWarning("Face {FaceId}: its thumbnail cannot be read ({Reason}); stored as an uncertain estimate.", faceId, e.Message);
                    estimate = new AgeGenderEstimate(float.NaN, 0.5f);
                }
                estimates.Add((faceId, estimate));
            }
            store.SetEstimates(estimates);
            done += estimates.Count;
            progress?.Report((done, Math.Max(total, done)));
        }
    }
}
