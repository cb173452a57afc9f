using Lookalike.Index.Distances;

namespace Lookalike.Index;

/// <summary>Why a vector cannot be added to or searched in an index (see <see cref="VectorValidation.Check"/>).</summary>
public enum VectorProblem
{
    /// <summary>The vector is usable.</summary>
    None,

    /// <summary>Its length is not the index's dimension.</summary>
    WrongDimension,

    /// <summary>A component is NaN or ±Infinity.</summary>
    NonFinite,

    /// <summary>Under cosine: a zero vector, or one whose squared norm underflows float32 (below 2⁻¹²⁶ ≈ 1.18e-38), so it
    /// cannot be normalised to a finite unit vector.</summary>
    CannotNormalise,
}

/// <summary>
/// The index's own acceptance test as a typed answer, for callers that must say why a vector was refused without
/// parsing exception messages (an HTTP API's error code, an import's skip reason). <see cref="HnswIndex"/> and
/// <see cref="FlatIndex"/> throw <see cref="ArgumentException"/> exactly when this returns something other than
/// <see cref="VectorProblem.None"/>.
/// </summary>
public static class VectorValidation
{
    /// <summary>Checks <paramref name="vector"/> (float[<paramref name="dimension"/>]) as the indexes do.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="dimension">The index's dimension.</param>
    /// <param name="metric">The index's metric: only <see cref="DistanceMetric.Cosine"/> refuses tiny vectors.</param>
    /// <returns>The first problem found in the order length, finiteness, norm; <see cref="VectorProblem.None"/> when usable.</returns>
    public static VectorProblem Check(ReadOnlySpan<float> vector, int dimension, DistanceMetric metric)
    {
        if (vector.Length != dimension)
        {
            return VectorProblem.WrongDimension;
        }
        if (!VectorMath.AllFinite(vector))
        {
            return VectorProblem.NonFinite;
        }
        if (metric == DistanceMetric.Cosine && !float.IsNormal(VectorMath.Dot(vector, vector))
            && VectorMath.ScalarDot(vector, vector) < VectorMath.MinCosineSquaredNorm)
        {
            return VectorProblem.CannotNormalise;
        }
        return VectorProblem.None;
    }
}
