using System.Globalization;
using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>A 2-D projection of the gallery's descriptors (the first two principal components), for the index explorer.</summary>
public static class Projection
{
    /// <summary>
    /// Every face of <paramref name="snapshot"/> placed by <see cref="Pca2"/> of its normalised descriptor (rows in the
    /// order the faces were added), each axis scaled to [0, 1].
    /// </summary>
    public static IReadOnlyDictionary<long, (float X, float Y)> Place(GallerySnapshot snapshot) => Fit(snapshot).Points;

    /// <summary>
    /// Fits the projection to <paramref name="snapshot"/>'s faces (as <see cref="Place"/>) and keeps the basis, so a
    /// descriptor that is not in the gallery (your photo) can be placed on the same map with
    /// <see cref="PlanarProjection.Project"/>.
    /// </summary>
    public static PlanarProjection Fit(GallerySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var (labels, count) = snapshot.RowView();
        var dimension = snapshot.Dimension;
        var vectors = new float[count * dimension];
        for (var i = 0; i < count; i++)
        {
            snapshot.VectorOf(labels[i])?.CopyTo(vectors.AsSpan(i * dimension, dimension));
        }
        var (mean, first, second) = Pca2Basis(vectors, count, dimension);
        var coords = Apply(vectors, count, dimension, mean, first, second);
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
        for (var i = 0; i < count; i++)
        {
            minX = Math.Min(minX, coords[i * 2]);
            maxX = Math.Max(maxX, coords[i * 2]);
            minY = Math.Min(minY, coords[i * 2 + 1]);
            maxY = Math.Max(maxY, coords[i * 2 + 1]);
        }
        var projection = new PlanarProjection(mean, first, second, minX, Math.Max(1e-6f, maxX - minX), minY, Math.Max(1e-6f, maxY - minY));
        var points = new Dictionary<long, (float X, float Y)>(count);
        for (var i = 0; i < count; i++)
        {
            points[labels[i]] = projection.Scale(coords[i * 2], coords[i * 2 + 1]);
        }
        projection.Points = points;
        return projection;
    }

    /// <summary>
    /// Projects <paramref name="count"/> row-major vectors of length <paramref name="dimension"/> onto their first two
    /// principal components (power iteration with deflation, fixed start, so the layout is stable). Returns [count, 2].
    /// </summary>
    public static float[] Pca2(ReadOnlySpan<float> vectors, int count, int dimension)
    {
        var (mean, first, second) = Pca2Basis(vectors, count, dimension);
        return Apply(vectors, count, dimension, mean, first, second);
    }

    /// <summary>The mean and the first two principal axes (unit vectors) of <paramref name="count"/> row-major vectors.</summary>
    internal static (double[] Mean, double[] First, double[] Second) Pca2Basis(ReadOnlySpan<float> vectors, int count, int dimension)
    {
        var mean = new double[dimension];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dimension; d++)
            {
                mean[d] += vectors[i * dimension + d];
            }
        }
        for (var d = 0; d < dimension; d++)
        {
            mean[d] /= Math.Max(1, count);
        }
        var cov = new double[dimension, dimension];
        var row = new double[dimension];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dimension; d++)
            {
                row[d] = vectors[i * dimension + d] - mean[d];
            }
            for (var a = 0; a < dimension; a++)
            {
                var ra = row[a];
                for (var b = a; b < dimension; b++)
                {
                    cov[a, b] += ra * row[b];
                }
            }
        }
        for (var a = 0; a < dimension; a++)
        {
            for (var b = 0; b < a; b++)
            {
                cov[a, b] = cov[b, a];
            }
        }
        var first = PowerIteration(cov, dimension, null);
        var second = PowerIteration(cov, dimension, first);
        return (mean, first, second);
    }

    /// <summary>Coordinates of each row on the two axes, [count, 2].</summary>
    private static float[] Apply(ReadOnlySpan<float> vectors, int count, int dimension, double[] mean, double[] first, double[] second)
    {
        var result = new float[count * 2];
        for (var i = 0; i < count; i++)
        {
            double x = 0, y = 0;
            for (var d = 0; d < dimension; d++)
            {
                var v = vectors[i * dimension + d] - mean[d];
                x += v * first[d];
                y += v * second[d];
            }
            result[i * 2] = (float)x;
            result[i * 2 + 1] = (float)y;
        }
        return result;
    }

    private static double[] PowerIteration(double[,] matrix, int n, double[]? orthogonalTo)
    {
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = 1.0 + (i % 7) * 0.1;
        }
        var next = new double[n];
        for (var iteration = 0; iteration < 100; iteration++)
        {
            if (orthogonalTo is not null)
            {
                var dot = 0.0;
                for (var i = 0; i < n; i++)
                {
                    dot += v[i] * orthogonalTo[i];
                }
                for (var i = 0; i < n; i++)
                {
                    v[i] -= dot * orthogonalTo[i];
                }
            }
            var norm = 0.0;
            for (var i = 0; i < n; i++)
            {
                var s = 0.0;
                for (var j = 0; j < n; j++)
                {
                    s += matrix[i, j] * v[j];
                }
                next[i] = s;
                norm += s * s;
            }
            norm = Math.Sqrt(norm);
            if (norm < 1e-20)
            {
                break;
            }
            for (var i = 0; i < n; i++)
            {
                v[i] = next[i] / norm;
            }
        }
        return v;
    }
}

/// <summary>
/// The explorer's 2-D map: the first two principal axes of the gallery's normalised descriptors, scaled so the gallery
/// fills [0, 1] on each axis. Built by <see cref="Projection.Fit"/>.
/// </summary>
public sealed class PlanarProjection
{
    private readonly double[] _mean;
    private readonly double[] _first;
    private readonly double[] _second;
    private readonly float _minX;
    private readonly float _spanX;
    private readonly float _minY;
    private readonly float _spanY;

    internal PlanarProjection(double[] mean, double[] first, double[] second, float minX, float spanX, float minY, float spanY)
    {
        (_mean, _first, _second) = (mean, first, second);
        (_minX, _spanX, _minY, _spanY) = (minX, spanX, minY, spanY);
    }

    /// <summary>Every gallery face's place, each axis in [0, 1].</summary>
    public IReadOnlyDictionary<long, (float X, float Y)> Points { get; internal set; } = new Dictionary<long, (float X, float Y)>();

    /// <summary>
    /// Places a descriptor on the same map as the gallery (normalised to unit length first, as the gallery's are). A
    /// descriptor unlike every gallery face can fall outside [0, 1]; the caller decides whether to clamp.
    /// </summary>
    /// <exception cref="ArgumentException">The descriptor's length is not the gallery's dimension.</exception>
    public (float X, float Y) Project(ReadOnlySpan<float> descriptor)
    {
        if (descriptor.Length != _mean.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the descriptor has {descriptor.Length} components, the gallery {_mean.Length}"), nameof(descriptor));
        }
        var norm = 0.0;
        foreach (var v in descriptor)
        {
            norm += (double)v * v;
        }
        norm = norm > 0 ? Math.Sqrt(norm) : 1;
        double x = 0, y = 0;
        for (var d = 0; d < descriptor.Length; d++)
        {
            var v = descriptor[d] / norm - _mean[d];
            x += v * _first[d];
            y += v * _second[d];
        }
        return Scale((float)x, (float)y);
    }

    internal (float X, float Y) Scale(float x, float y) => ((x - _minX) / _spanX, (y - _minY) / _spanY);
}
