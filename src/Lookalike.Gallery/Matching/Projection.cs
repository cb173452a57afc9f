using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Matching;

/// <summary>A 2-D projection of the gallery's descriptors (the first two principal components), for the index explorer.</summary>
public static class Projection
{
    /// <summary>
    /// Every face of <paramref name="snapshot"/> placed by <see cref="Pca2"/> of its normalised descriptor (rows in the
    /// order the faces were added), each axis scaled to [0, 1].
    /// </summary>
    public static IReadOnlyDictionary<long, (float X, float Y)> Place(GallerySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var (labels, count) = snapshot.RowView();
        var dimension = snapshot.Dimension;
        var vectors = new float[count * dimension];
        for (var i = 0; i < count; i++)
        {
            snapshot.VectorOf(labels[i])?.CopyTo(vectors.AsSpan(i * dimension, dimension));
        }
        var coords = Pca2(vectors, count, dimension);
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
        for (var i = 0; i < count; i++)
        {
            minX = Math.Min(minX, coords[i * 2]);
            maxX = Math.Max(maxX, coords[i * 2]);
            minY = Math.Min(minY, coords[i * 2 + 1]);
            maxY = Math.Max(maxY, coords[i * 2 + 1]);
        }
        var points = new Dictionary<long, (float X, float Y)>(count);
        for (var i = 0; i < count; i++)
        {
            points[labels[i]] = ((coords[i * 2] - minX) / Math.Max(1e-6f, maxX - minX), (coords[i * 2 + 1] - minY) / Math.Max(1e-6f, maxY - minY));
        }
        return points;
    }

    /// <summary>
    /// Projects <paramref name="count"/> row-major vectors of length <paramref name="dimension"/> onto their first two
    /// principal components (power iteration with deflation, fixed start, so the layout is stable). Returns [count, 2].
    /// </summary>
    public static float[] Pca2(ReadOnlySpan<float> vectors, int count, int dimension)
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
