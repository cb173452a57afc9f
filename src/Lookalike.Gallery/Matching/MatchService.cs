using System.Diagnostics;
using Lookalike.Faces;
using Lookalike.Gallery.Index;
using Lookalike.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>A gallery face near a probe: who it is, its distance (cosine, 0–2) and where it sits among strangers' best matches (0–1).</summary>
public sealed record FaceMatch(long FaceId, long PhotoId, long PersonId, string Person, float Distance, double? StrangerPercentile);

/// <summary>Result of one search: matches (ascending distance), the index's counters, timing (ms), recall against exact search (0–1) and the efSearch used.</summary>
public sealed record SearchOutcome(IReadOnlyList<FaceMatch> Matches, SearchStats Stats, double SearchMs, double? RecallVsExact, int GalleryCount, int EfSearchUsed);

/// <summary>Analyses probe photos and searches descriptors in the live gallery. Thread-safe singleton; stores nothing.</summary>
public sealed class MatchService(FacePipeline pipeline, LiveGallery gallery, IDescriptorModel model)
{
    /// <summary>How many faces the live index holds now.</summary>
    public int GalleryCount => gallery.Current.Count;

    /// <summary>Descriptor length the gallery expects: the embedder's, at run time.</summary>
    public int Dimension => model.Dimension;

    /// <summary>Why the gallery index would refuse <paramref name="descriptor"/> (<see cref="VectorValidation.Check"/> under
    /// cosine distance with <see cref="Dimension"/>); <see cref="VectorProblem.None"/> when it is usable.</summary>
    public VectorProblem Check(ReadOnlySpan<float> descriptor) => VectorValidation.Check(descriptor, Dimension, DistanceMetric.Cosine);

    /// <summary>Decodes, detects and embeds every face of a probe photo (largest first).</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image; <see cref="ImageRejectionText"/> words the reason.</exception>
    public FaceAnalysis Analyze(ReadOnlySpan<byte> photo) => pipeline.Analyze(photo);

    /// <summary>
    /// The k nearest gallery faces of <paramref name="descriptor"/>; efSearch ≤ 0 uses the index default, and efSearch &lt; k is
    /// raised to k. The descriptor is checked by the index (<c>VectorGuard</c>), also when the gallery is empty.
    /// </summary>
    /// <param name="descriptor"><see cref="Dimension"/> finite values, not all zero.</param>
    /// <param name="k">1 to <see cref="GalleryLimits.MaxK"/>.</param>
    /// <param name="efSearch">0 (index default) or the candidate list size.</param>
    /// <param name="measureRecall">Also run the exact search and report recall@k.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> out of range.</exception>
    /// <exception cref="ArgumentException">Wrong length ("expected N dimensions, got M"), a non-finite component or a zero vector.</exception>
    public SearchOutcome Search(ReadOnlySpan<float> descriptor, int k, int efSearch = 0, bool measureRecall = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, GalleryLimits.MaxK);
        var snapshot = gallery.Current;
        var ef = Math.Max(k, efSearch > 0 ? efSearch : snapshot.Parameters.DefaultEfSearch);
        if (snapshot.Count == 0)
        {
            snapshot.ExactSearch(descriptor, 1); // an empty index still checks the descriptor
            return new SearchOutcome([], default, 0, null, 0, ef);
        }
        var stopwatch = Stopwatch.StartNew();
        var neighbors = snapshot.Index.Search(descriptor, k, ef, null, out var stats);
        var searchMs = stopwatch.Elapsed.TotalMilliseconds;
        double? recall = null;
        if (measureRecall)
        {
            var truth = snapshot.ExactSearch(descriptor, k).Select(n => n.Label).ToHashSet();
            recall = truth.Count == 0 ? null : (double)neighbors.Count(n => truth.Contains(n.Label)) / truth.Count;
        }
        var matches = new List<FaceMatch>(neighbors.Count);
        foreach (var n in neighbors)
        {
            if (snapshot.Faces.TryGetValue(n.Label, out var face))
            {
                matches.Add(new FaceMatch(face.FaceId, face.PhotoId, face.PersonId, face.Person, n.Distance, snapshot.StrangerPercentile(n.Distance)));
            }
        }
        return new SearchOutcome(matches, stats, searchMs, recall, snapshot.Count, ef);
    }

    /// <summary>The exact distance (cosine, 0–2) from <paramref name="descriptor"/> to one gallery face, or null when it is not in the live index.</summary>
    /// <exception cref="ArgumentException">The descriptor is not a valid descriptor (see <see cref="Search"/>).</exception>
    public float? DistanceTo(long faceId, ReadOnlySpan<float> descriptor)
    {
        var result = gallery.Current.ExactSearch(descriptor, 1, label => label == faceId);
        return result.Count == 0 ? null : result[0].Distance;
    }
}
