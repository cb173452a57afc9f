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
    public static float[] Sample(GallerySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var (labels, count) = snapshot.RowView();
        var random = new Random(17);
        var samples = Math.Min(Samples, count);
        var list = new List<float>(samples);
        for (var s = 0; s < samples; s++)
        {
            var row = count <= Samples ? s : random.Next(count);
            var label = labels[row];
            if (!snapshot.Faces.TryGetValue(label, out var face) || snapshot.VectorOf(label) is not { } q)
            {
                continue;
            }
            var personId = face.PersonId;
            var nearest = snapshot.ExactSearch(q, 1, l => snapshot.Faces.TryGetValue(l, out var f) && f.PersonId != personId);
            if (nearest.Count > 0)
            {
                list.Add(nearest[0].Distance);
            }
        }
        list.Sort();
        return list.ToArray();
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
