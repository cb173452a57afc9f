using Lookalike.Faces;
using Lookalike.Index;

namespace Lookalike.Gallery.Index;

/// <summary>
/// Keeps stored rows the index cannot take out of it: a descriptor that is not usable (<see cref="DescriptorCheck"/>:
/// NaN, infinite, all zeros, norm too small) or that the cosine index would refuse (<see cref="VectorValidation"/>). A
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
        List<int>? bad = null;
        List<SkippedDescriptor>? skipped = null;
        for (var i = 0; i < stored.Faces.Length; i++)
        {
            var vector = stored.Vectors.AsSpan(i * dimension, dimension);
            var problem = DescriptorCheck.Problem(vector)
                ?? (VectorValidation.Check(vector, dimension, DistanceMetric.Cosine) == VectorProblem.None ? null : "the index refuses it");
            if (problem is not null)
            {
                (bad ??= []).Add(i);
                (skipped ??= [.. stored.Skipped]).Add(new SkippedDescriptor(stored.Faces[i].FaceId, problem));
            }
        }
        if (bad is null)
        {
            return stored;
        }
        var keep = stored.Faces.Length - bad.Count;
        var faces = new FaceRef[keep];
        var vectors = new float[keep * dimension];
        var badSet = bad.ToHashSet();
        for (int i = 0, j = 0; i < stored.Faces.Length; i++)
        {
            if (badSet.Contains(i))
            {
                continue;
            }
            faces[j] = stored.Faces[i];
            stored.Vectors.AsSpan(i * dimension, dimension).CopyTo(vectors.AsSpan(j * dimension));
            j++;
        }
        return new StoredDescriptors(faces, vectors) { Skipped = skipped!.OrderBy(s => s.FaceId).ToList() };
    }
}
