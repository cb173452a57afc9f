using System.Diagnostics;
using Lookalike.Faces;
using Lookalike.Index;

namespace Lookalike.Web.Gallery;

/// <summary>A gallery face near a probe: who it is, its distance (cosine, 0–2) and where it sits among strangers' best matches.</summary>
public sealed record FaceMatch(long FaceId, long PhotoId, long PersonId, string Person, float Distance, double? StrangerPercentile);

/// <summary>Result of one search: matches (ascending distance), the index's counters, timing and recall against exact search.</summary>
public sealed record SearchOutcome(IReadOnlyList<FaceMatch> Matches, SearchStats Stats, double SearchMs, double? RecallVsExact, int GalleryCount, int EfSearchUsed);

/// <summary>Analyses probe photos and searches descriptors in the gallery index. Thread-safe singleton; stores nothing.</summary>
public sealed class MatchService(FacePipeline pipeline, GalleryIndexHost host)
{
    /// <summary>Largest k a caller may ask for.</summary>
    public const int MaxK = 200;

    /// <summary>Largest efSearch a caller may ask for (the candidate list grows with it; beyond this it only costs time).</summary>
    public const int MaxEfSearch = 10_000;

    /// <summary>The message of the <see cref="ArgumentException"/> for an all-zero descriptor.</summary>
    public const string ZeroVectorMessage = "the embedding is all zeros: a zero vector has no direction and cannot be used with cosine distance";

    /// <summary>How many faces the live index holds now.</summary>
    public int GalleryCount => host.Current.Count;

    /// <summary>The face pipeline's model.</summary>
    public ModelIdentity Model => pipeline.Model;

    /// <summary>Decodes, detects and embeds every face of a probe photo (largest first). Throws <see cref="ImageRejectedException"/>.</summary>
    public FaceAnalysis Analyze(ReadOnlySpan<byte> photo) => pipeline.Analyze(photo);

    /// <summary>Checks a descriptor: 128 finite values, not all zero (cosine distance needs a direction).</summary>
    /// <exception cref="ArgumentException">wrong length, a non-finite component or a zero vector.</exception>
    public static void ValidateDescriptor(ReadOnlySpan<float> descriptor)
    {
        if (descriptor.Length != GallerySnapshot.Dimension)
        {
            throw new ArgumentException($"expected {GallerySnapshot.Dimension} dimensions, got {descriptor.Length}", nameof(descriptor));
        }
        for (var i = 0; i < descriptor.Length; i++)
        {
            if (!float.IsFinite(descriptor[i]))
            {
                throw new ArgumentException($"component {i} is {(float.IsNaN(descriptor[i]) ? "NaN" : "infinite")}", nameof(descriptor));
            }
        }
        if (!descriptor.ContainsAnyExcept(0f))
        {
            throw new ArgumentException(ZeroVectorMessage, nameof(descriptor));
        }
    }

    /// <summary>The k nearest gallery faces of <paramref name="descriptor"/>; efSearch ≤ 0 uses the index default, and efSearch &lt; k is raised to k.</summary>
    public SearchOutcome Search(ReadOnlySpan<float> descriptor, int k, int efSearch = 0, bool measureRecall = true)
    {
        ValidateDescriptor(descriptor);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        var snapshot = host.Current;
        var ef = Math.Max(k, efSearch > 0 ? efSearch : snapshot.Parameters.EfSearch);
        if (snapshot.Count == 0)
        {
            return new SearchOutcome([], default, 0, null, 0, ef);
        }
        var stopwatch = Stopwatch.StartNew();
        var neighbors = snapshot.Index.Search(descriptor, k, ef, null, out var stats);
        var searchMs = stopwatch.Elapsed.TotalMilliseconds;
        double? recall = null;
        if (measureRecall)
        {
            var exact = snapshot.ExactSearch(descriptor, k);
            var truth = exact.Select(n => n.Label).ToHashSet();
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
}
