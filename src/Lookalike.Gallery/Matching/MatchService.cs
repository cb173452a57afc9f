using System.Diagnostics;
using Lookalike.Faces;
using Lookalike.Faces.AgeGender;
using Lookalike.Gallery.Index;
using Lookalike.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>A gallery face near a probe: who it is, its distance (cosine, 0–2) and where it sits among strangers' best matches (0–1).</summary>
public sealed record FaceMatch(long FaceId, long PhotoId, long PersonId, string Person, float Distance, double? StrangerPercentile);

/// <summary>Result of one search: matches (ascending distance), the index's counters, timing (ms), recall against exact search (0–1) and the efSearch used.</summary>
public sealed record SearchOutcome(IReadOnlyList<FaceMatch> Matches, SearchStats Stats, double SearchMs, double? RecallVsExact, int GalleryCount, int EfSearchUsed);

/// <summary>
/// One person of a people search (<see cref="MatchService.SearchPeople"/>): their closest face to the probe, how many
/// of their faces were among the faces fetched, and the honest rating of that distance at this rank.
/// </summary>
/// <param name="Rank">1 for the closest person.</param>
/// <param name="PersonId">The person's id in the store.</param>
/// <param name="Person">Display name.</param>
/// <param name="BestFaceId">Their closest face (thumbnail: <c>/api/faces/{id}/thumbnail</c>).</param>
/// <param name="BestPhotoId">The photo holding that face.</param>
/// <param name="BestDistance">Cosine distance (0–2) of their closest face.</param>
/// <param name="NearFaces">Their faces among the fetched neighbours (all within the search's reach).</param>
/// <param name="StrangerPercentile">Share (0–1) of strangers' <paramref name="Rank"/>-th look-alikes that are farther
/// (<see cref="GallerySnapshot.StrangerPercentileAtRank"/>); null when the gallery is too small to rate.</param>
public sealed record PersonMatch(int Rank, long PersonId, string Person, float BestDistance, long BestFaceId, long BestPhotoId, int NearFaces, double? StrangerPercentile)
{
    /// <summary>The stored age/sex estimate of <see cref="BestFaceId"/>; null while the store has none for it (backfill running).</summary>
    public AgeGenderEstimate? Estimate { get; init; }
}

/// <summary>A people search: the distinct people, best first, and the face search behind them.</summary>
public sealed record PeopleOutcome(IReadOnlyList<PersonMatch> People, SearchOutcome Faces)
{
    /// <summary>The sex the people were filtered to (<see cref="MatchService.SearchPeople"/>'s <c>sameSexAs</c>), or null when unfiltered.</summary>
    public EstimatedSex? FilteredTo { get; init; }
}

/// <summary>Analyses probe photos and searches descriptors in the live gallery. Thread-safe singleton; stores nothing.</summary>
public sealed class MatchService(FacePipeline pipeline, LiveGallery gallery, IDescriptorModel model, GalleryMetrics metrics, IGalleryStore store, ChipAgeGenderEstimator ageSex)
{
    /// <summary>The most faces a same-sex people search fetches while looking for enough people of that sex.</summary>
    public const int MaxFilteredFetch = 4 * GalleryLimits.MaxK;

    /// <summary>The estimated age and sex of a probe face, from its thumbnail (the same path as the stored gallery estimates).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="face"/> is null.</exception>
    public AgeGenderEstimate EstimateAgeSex(AnalyzedFace face)
    {
        ArgumentNullException.ThrowIfNull(face);
        return ageSex.Estimate(face.ThumbnailJpeg);
    }

    /// <summary>How many faces the live index holds now.</summary>
    public int GalleryCount => gallery.Current.Count;

    /// <summary>Descriptor length the gallery expects: the embedder's, at run time.</summary>
    public int Dimension => model.Dimension;

    /// <summary>Why the gallery index would refuse <paramref name="descriptor"/> (<see cref="VectorValidation.Check"/> under
    /// cosine distance with <see cref="Dimension"/>); <see cref="VectorProblem.None"/> when it is usable.</summary>
    public VectorProblem Check(ReadOnlySpan<float> descriptor) => VectorValidation.Check(descriptor, Dimension, DistanceMetric.Cosine);

    /// <summary>Decodes, detects and embeds every face of a probe photo (largest first).</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image; <see cref="ImageRejectionText"/> words the reason.</exception>
    public FaceAnalysis Analyze(ReadOnlySpan<byte> photo)
    {
        var analysis = pipeline.Analyze(photo);
        metrics.RecordPipeline(analysis.Timings);
        return analysis;
    }

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
        return SearchCore(descriptor, k, efSearch, measureRecall);
    }

    private SearchOutcome SearchCore(ReadOnlySpan<float> descriptor, int k, int efSearch, bool measureRecall)
    {
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
        metrics.RecordSearch(searchMs, stats);
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

    /// <summary>
    /// The k nearest gallery faces (as <see cref="Search"/>) whose stored estimate is <paramref name="sameSexAs"/>:
    /// fetches 2k, doubling up to <see cref="MaxFilteredFetch"/> until k faces of that sex are found (faces not
    /// estimated yet are kept). Null or <see cref="EstimatedSex.Unknown"/> filters nothing.
    /// </summary>
    /// <returns>The outcome (its matches filtered) and the stored estimates of the returned faces.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> out of range.</exception>
    /// <exception cref="ArgumentException">The descriptor is not a valid descriptor (see <see cref="Search"/>).</exception>
    public (SearchOutcome Outcome, IReadOnlyDictionary<long, AgeGenderEstimate> Estimates) SearchSameSex(ReadOnlySpan<float> descriptor, int k, int efSearch, EstimatedSex? sameSexAs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, GalleryLimits.MaxK);
        if (sameSexAs is not (EstimatedSex.Male or EstimatedSex.Female))
        {
            var plain = SearchCore(descriptor, k, efSearch, measureRecall: false);
            return (plain, store.GetEstimates(plain.Matches.Select(m => m.FaceId).ToList()));
        }
        var fetch = Math.Min(MaxFilteredFetch, 2 * k);
        while (true)
        {
            var faces = SearchCore(descriptor, fetch, efSearch, measureRecall: false);
            var estimates = store.GetEstimates(faces.Matches.Select(m => m.FaceId).ToList());
            var kept = faces.Matches.Where(m => !estimates.TryGetValue(m.FaceId, out var e) || e.Sex == sameSexAs).Take(k).ToList();
            if (kept.Count >= k || fetch >= MaxFilteredFetch || fetch >= faces.GalleryCount)
            {
                return (faces with { Matches = kept }, estimates);
            }
            fetch = Math.Min(MaxFilteredFetch, fetch * 2);
        }
    }

    /// <summary>
    /// The <paramref name="people"/> nearest distinct people: fetches 4 × people + 16 nearest faces (at most
    /// <see cref="GalleryLimits.MaxK"/>, or <see cref="MaxFilteredFetch"/> with a sex filter), doubling while they hold
    /// fewer people than asked and the gallery has more, then keeps each person's closest face. Ratings compare rank r
    /// with strangers' r-th look-alikes.
    /// </summary>
    /// <param name="descriptor"><c>float[Dimension]</c>.</param>
    /// <param name="people">1 to <see cref="StrangerDistribution.MaxRank"/>.</param>
    /// <param name="efSearch">0 (index default) or the candidate list size (raised to the faces fetched).</param>
    /// <param name="measureRecall">Also run the exact search and report recall over the faces fetched.</param>
    /// <param name="sameSexAs">When <see cref="EstimatedSex.Male"/> or <see cref="EstimatedSex.Female"/>, only gallery
    /// faces whose stored estimate is that sex count (faces not estimated yet are kept; uncertain ones are left out);
    /// null or <see cref="EstimatedSex.Unknown"/> filters nothing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="people"/> out of range.</exception>
    /// <exception cref="ArgumentException">The descriptor is not a valid descriptor (see <see cref="Search"/>).</exception>
    public PeopleOutcome SearchPeople(ReadOnlySpan<float> descriptor, int people, int efSearch = 0, bool measureRecall = true, EstimatedSex? sameSexAs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(people, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(people, StrangerDistribution.MaxRank);
        var filter = sameSexAs is EstimatedSex.Male or EstimatedSex.Female ? sameSexAs : null;
        var cap = filter is null ? GalleryLimits.MaxK : MaxFilteredFetch;
        var snapshot = gallery.Current;
        var fetch = Math.Min(cap, 4 * people + 16);
        while (true)
        {
            var faces = SearchCore(descriptor, fetch, efSearch, measureRecall);
            var estimates = store.GetEstimates(faces.Matches.Select(m => m.FaceId).ToList());
            var kept = filter is null ? faces.Matches
                : faces.Matches.Where(m => !estimates.TryGetValue(m.FaceId, out var e) || e.Sex == filter).ToList();
            var distinct = kept.Select(m => m.PersonId).Distinct().Count();
            if (distinct >= people || fetch >= cap || fetch >= faces.GalleryCount)
            {
                var ranked = kept.GroupBy(m => m.PersonId)
                    .Select(g => (Best: g.MinBy(m => m.Distance)!, Count: g.Count()))
                    .OrderBy(p => p.Best.Distance).ThenBy(p => p.Best.Person, StringComparer.Ordinal)
                    .Take(people)
                    .Select((p, i) => new PersonMatch(i + 1, p.Best.PersonId, p.Best.Person, p.Best.Distance, p.Best.FaceId, p.Best.PhotoId, p.Count,
                        snapshot.StrangerPercentileAtRank(p.Best.Distance, i + 1))
                    {
                        Estimate = estimates.TryGetValue(p.Best.FaceId, out var e) ? e : null,
                    })
                    .ToList();
                return new PeopleOutcome(ranked, faces) { FilteredTo = filter };
            }
            fetch = Math.Min(cap, fetch * 2);
        }
    }

    /// <summary>The exact distance (cosine, 0–2) from <paramref name="descriptor"/> to one gallery face, or null when it is not in the live index.</summary>
    /// <exception cref="ArgumentException">The descriptor is not a valid descriptor (see <see cref="Search"/>).</exception>
    public float? DistanceTo(long faceId, ReadOnlySpan<float> descriptor)
    {
        var result = gallery.Current.ExactSearch(descriptor, 1, label => label == faceId);
        return result.Count == 0 ? null : result[0].Distance;
    }
}
