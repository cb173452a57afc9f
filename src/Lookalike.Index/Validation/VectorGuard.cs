using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lookalike.Index.Validation;

/// <summary>Boundary checks shared by the indexes; each throws with the parameter name and a message naming the values.</summary>
internal static class VectorGuard
{
    /// <summary>Throws unless <paramref name="vector"/> has <paramref name="dimension"/> finite components
    /// (and, under cosine, a non-zero norm).</summary>
    /// <exception cref="ArgumentException">Wrong length ("expected 128 dimensions, got 512"), non-finite component
    /// ("label 7: component 17 is NaN") or zero vector under cosine.</exception>
    public static void CheckVector(ReadOnlySpan<float> vector, int dimension, DistanceMetric metric, long? label, string paramName)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{Who(label)}expected {dimension} dimensions, got {vector.Length}"), paramName);
        }

        if (AllFinite(vector) && metric != DistanceMetric.Cosine)
        {
            return;
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
            double s = 0;
            foreach (var v in vector)
            {
                s += (double)v * v;
            }
            if (s == 0)
            {
                throw new ArgumentException($"{Who(label)}a zero vector has no direction and cannot be used with cosine distance", paramName);
            }
        }
    }

    /// <summary>SIMD check that every component is finite: x·0 is 0 for finite x and NaN for NaN or ±∞, so the
    /// accumulated sum stays 0 exactly when all are finite. The scalar loop then only runs to name the culprit.</summary>
    private static bool AllFinite(ReadOnlySpan<float> vector)
    {
        ref var start = ref MemoryMarshal.GetReference(vector);
        var acc = Vector256<float>.Zero;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= vector.Length - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref start, (nuint)i) * Vector256<float>.Zero;
            }
        }
        var sum = Vector256.Sum(acc);
        for (; i < vector.Length; i++)
        {
            sum += vector[i] * 0f;
        }
        return sum == 0f;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <c>k</c> when k ≤ 0.</summary>
    public static void CheckK(int k) => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k, nameof(k));

    private static string Who(long? label) =>
        label is { } l ? string.Create(CultureInfo.InvariantCulture, $"label {l}: ") : "";
}
