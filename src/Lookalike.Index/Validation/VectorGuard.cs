using System.Globalization;
using Lookalike.Index.Distances;

namespace Lookalike.Index.Validation;

/// <summary>Boundary checks shared by the indexes; each throws with the parameter name and a message naming the values.</summary>
internal static class VectorGuard
{
    /// <summary>Throws unless <paramref name="vector"/> has <paramref name="dimension"/> finite components
    /// (and, under cosine, can be normalised to a finite unit vector: squared norm at least
    /// <see cref="VectorMath.MinCosineSquaredNorm"/>).</summary>
    /// <exception cref="ArgumentException">Wrong length ("expected 128 dimensions, got 512"), non-finite component
    /// ("label 7: component 17 is NaN"), or under cosine a zero vector or one whose squared norm underflows float32
    /// ("label 7: the vector is too small to normalise …"). The message names the label when there is one.</exception>
    public static void CheckVector(ReadOnlySpan<float> vector, int dimension, DistanceMetric metric, long? label, string paramName)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{Who(label)}expected {dimension} dimensions, got {vector.Length}"), paramName);
        }

        if (VectorMath.AllFinite(vector)
            && (metric != DistanceMetric.Cosine || float.IsNormal(VectorMath.Dot(vector, vector))))
        {
            return; // the common case: one SIMD pass (two under cosine), no scalar loop
        }

        for (var i = 0; i < vector.Length; i++)
        {
            var v = vector[i];
            if (!float.IsFinite(v))
            {
                var what = float.IsNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity";
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{Who(label)}component {i} is {what}"), paramName);
            }
        }

        if (metric == DistanceMetric.Cosine)
        {
            var s = VectorMath.ScalarDot(vector, vector);
            if (s == 0)
            {
                throw new ArgumentException($"{Who(label)}a zero vector has no direction and cannot be used with cosine distance", paramName);
            }
            if (s < VectorMath.MinCosineSquaredNorm)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{Who(label)}the vector is too small to normalise for cosine distance: its squared norm {s:G3} underflows float32 (below {VectorMath.MinCosineSquaredNorm:G3})"), paramName);
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <c>k</c> when k ≤ 0.</summary>
    public static void CheckK(int k) => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k, nameof(k));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <c>efSearch</c> when it is above
    /// <see cref="HnswOptions.MaxEfSearch"/> (≤ 0 means the index default and is allowed).</summary>
    public static void CheckEfSearch(int efSearch) =>
        ArgumentOutOfRangeException.ThrowIfGreaterThan(efSearch, HnswOptions.MaxEfSearch, nameof(efSearch));

    private static string Who(long? label) =>
        label is { } l ? string.Create(CultureInfo.InvariantCulture, $"label {l}: ") : "";
}
