using Lookalike.Faces;

namespace Lookalike.Gallery.Index;

/// <summary>
/// Keeps stored rows the index cannot take out of it: a descriptor that is not usable (<see cref="DescriptorCheck"/>:
/// NaN, infinite, all zeros, norm too small; whatever passes it the cosine index accepts). A
/// store written by an older version, by hand or by a broken model may hold such rows; one of them must not make every
/// rebuild fail, so they are skipped, counted and logged instead.
/// </summary>
public static class DescriptorScreen
{
    /// <summary>The usable rows of <paramref name="stored"/>, with every other row added to <see cref="StoredDescriptors.Skipped"/>.</summary>
    /// <param name="stored">Rows as the store read them (row-major [Faces.Length, dimension]).</param>
    /// <param name="dimension">The embedder's descriptor length.</param>
    /// <exception cref="ArgumentException">The vector block is not Faces.Length × <paramref name="dimension"/> floats.</exception>
    public static StoredDescriptors Screen(StoredDescriptors stored, int dimension)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Vectors.Length != stored.Faces.Length * dimension)
        {
            throw new ArgumentException($"{stored.Faces.Length} faces need {stored.Faces.Length * dimension} floats, got {stored.Vectors.Length}.", nameof(stored));
        }
        // DescriptorCheck's bound (squared norm >= 1e-12) is far above the cosine index's (2^-126): what passes it, the index takes.
        var skipped = new List<SkippedDescriptor>(stored.Skipped);
        var keep = new List<int>(stored.Faces.Length);
        for (var i = 0; i < stored.Faces.Length; i++)
        {
            if (DescriptorCheck.Problem(stored.Vectors.AsSpan(i * dimension, dimension)) is { } problem)
            {
                skipped.Add(new SkippedDescriptor(stored.Faces[i].FaceId, problem));
            }
            else
            {
                keep.Add(i);
            }
        }
        if (keep.Count == stored.Faces.Length)
        {
            return stored;
        }
        var faces = new FaceRef[keep.Count];
        var vectors = new float[keep.Count * dimension];
        for (var j = 0; j < keep.Count; j++)
        {
            faces[j] = stored.Faces[keep[j]];
            stored.Vectors.AsSpan(keep[j] * dimension, dimension).CopyTo(vectors.AsSpan(j * dimension));
        }
        return new StoredDescriptors(faces, vectors) { Skipped = skipped.OrderBy(s => s.FaceId).ToList() };
    }
}
