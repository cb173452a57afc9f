using System.Globalization;

namespace Lookalike.Faces;

/// <summary>
/// Whether a network output is a usable face descriptor: every component finite and a squared norm of at least
/// <see cref="MinSquaredNorm"/>. A dlib descriptor has norm about 1 (squared norm 0.3–1.2 on LFW), so anything near
/// zero is a failed computation (a degenerate chip, a broken model run), not a face; it must never be stored or
/// searched. One home for the rule: the pipeline, the importer and the index rebuild use it.
/// </summary>
public static class DescriptorCheck
{
    /// <summary>Smallest squared L2 norm (Σxᵢ², in double) of a usable descriptor: 1e-12 (norm 1e-6), far below any
    /// real descriptor and far above float32 underflow, so a usable descriptor is always accepted by a cosine index.</summary>
    public const double MinSquaredNorm = 1e-12;

    /// <summary>Null when <paramref name="descriptor"/> is usable, otherwise why not, in words for a log or a skip
    /// reason: "component 17 is NaN", "it is all zeros", "its norm 3.2E-09 is too small".</summary>
    /// <param name="descriptor">float[dimension] as the embedder produced it.</param>
    public static string? Problem(ReadOnlySpan<float> descriptor)
    {
        if (descriptor.IsEmpty)
        {
            return "it is empty";
        }
        double sum = 0;
        for (var i = 0; i < descriptor.Length; i++)
        {
            var v = descriptor[i];
            if (!float.IsFinite(v))
            {
                return string.Create(CultureInfo.InvariantCulture, $"component {i} is {(float.IsNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity")}");
            }
            sum += (double)v * v;
        }
        if (sum == 0)
        {
            return "it is all zeros";
        }
        return sum < MinSquaredNorm
            ? string.Create(CultureInfo.InvariantCulture, $"its norm {Math.Sqrt(sum):G2} is too small")
            : null;
    }

    /// <summary>True when <see cref="Problem"/> finds nothing.</summary>
    public static bool IsUsable(ReadOnlySpan<float> descriptor) => Problem(descriptor) is null;
}
