using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>
/// What a stranger's best match typically looks like: distances from sampled gallery faces to their nearest face of a
/// <em>different</em> person (exact search). A probe's distance is placed against it honestly: a stranger's best match
/// lands near the 50th percentile, only distances well below what different people reach come near 100 %.
/// </summary>
public static class StrangerDistribution
{
    /// <summary>Faces sampled (all of them in a smaller gallery).</summary>
    public const int Samples = 300;

    /// <summary>Below this many samples no percentile is given.</summary>
    public const int MinSamples = 10;

    /// <summary>Sorted best-stranger distances (cosine, 0–2) of up to <see cref="Samples"/> faces drawn with a fixed seed.</summary>
    public static float[] Sample(GallerySnapshot snapshot) => SampleByRank(snapshot, 1)[0];

    /// <summary>Look-alike ranks rated per rank by <see cref="SampleByRank"/> (the home page's 1–50 people).</summary>
    public const int MaxRank = GalleryLimits.MaxSliderK;

    /// <summary>
    /// Per look-alike rank, what strangers get: <c>result[r - 1]</c> holds, sorted, the distances (cosine, 0–2) from
    /// each of up to <see cref="Samples"/> sampled faces (fixed seed) to the <em>r</em>-th nearest other person (that
    /// person's closest face; exact search), for r = 1…<paramref name="ranks"/>. Rank 1 is <see cref="Sample"/>'s
    /// distribution. The 2nd card of a result is then compared with strangers' 2nd look-alikes, not with their best
    /// ones, so a typical 2nd card rates near 50 % too. A rank has fewer samples where the exact search's
    /// <c>4 × ranks + 16</c> nearest faces hold fewer other people.
    /// </summary>
    /// <param name="snapshot">The gallery.</param>
    /// <param name="ranks">1 to <see cref="MaxRank"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ranks"/> out of range.</exception>
    public static float[][] SampleByRank(GallerySnapshot snapshot, int ranks)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ranks, MaxRank);
        var (labels, count) = snapshot.RowView();
        var random = new Random(17);
        var samples = Math.Min(Samples, count);
        var lists = Enumerable.Range(0, ranks).Select(_ => new List<float>(samples)).ToArray();
        var seen = new HashSet<long>();
        for (var s = 0; s < samples; s++)
        {
            var row = count <= Samples ? s : random.Next(count);
            var label = labels[row];
            if (!snapshot.Faces.TryGetValue(label, out var face) || snapshot.VectorOf(label) is not { } q)
            {
                continue;
            }
            var personId = face.PersonId;
            var nearest = snapshot.ExactSearch(q, 4 * ranks + 16, l => snapshot.Faces.TryGetValue(l, out var f) && f.PersonId != personId);
            seen.Clear();
            foreach (var n in nearest)
            {
                if (snapshot.Faces.TryGetValue(n.Label, out var other) && seen.Add(other.PersonId))
                {
                    lists[seen.Count - 1].Add(n.Distance);
                    if (seen.Count == ranks)
                    {
                        break;
                    }
                }
            }
        }
        return lists.Select(l => { l.Sort(); return l.ToArray(); }).ToArray();
    }

    /// <summary>Share (0–1) of <paramref name="sorted"/> farther than <paramref name="distance"/>; null with fewer than <see cref="MinSamples"/>.</summary>
    public static double? Percentile(float[] sorted, float distance)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length < MinSamples)
        {
            return null;
        }
        var at = Array.BinarySearch(sorted, distance);
        var index = at < 0 ? ~at : at;
        return 1.0 - (double)index / sorted.Length;
    }
}
