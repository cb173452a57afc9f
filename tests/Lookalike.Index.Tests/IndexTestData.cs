using System.Globalization;
using Lookalike.Index;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Index.Tests;

/// <summary>Deterministic vectors and the bug-log CSV fixtures for the index tests.</summary>
internal static class IndexTestData
{
    /// <summary>Row-major [n, dim] uniform [0, 1) values from a fixed seed.</summary>
    public static float[] Uniform(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var data = new float[n * dim];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = rng.NextSingle();
        }
        return data;
    }

    /// <summary>
    /// What the committed index fixtures hold (<c>Fixtures/index-v1-cosine-16d.lkhnsw</c>, <c>index-v2-int8-16d.lkhnsw</c>):
    /// 200 uniform 16-D vectors (<c>Uniform(200, 16, 77)</c>), labels 0–199, label 5 removed; with the exact cosine index
    /// of the 199 that remain, the truth a loaded fixture is compared with.
    /// </summary>
    public static (float[] Data, FlatIndex Truth) FixtureVectors()
    {
        var data = Uniform(200, 16, 77);
        var truth = new FlatIndex(16, DistanceMetric.Cosine);
        for (var i = 0; i < 200; i++)
        {
            if (i != 5)
            {
                truth.Add(i, Row(data, 16, i));
            }
        }
        return (data, truth);
    }

    /// <summary>Row-major [n, dim] unit vectors in <paramref name="clusters"/> Gaussian clusters (noise σ per component).</summary>
    public static float[] Clustered(int n, int dim, int clusters, float noise, int seed)
    {
        var rng = new Random(seed);
        var centres = new float[clusters * dim];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = Gaussian(rng);
        }
        var data = new float[n * dim];
        for (var i = 0; i < n; i++)
        {
            var c = rng.Next(clusters);
            double norm = 0;
            for (var j = 0; j < dim; j++)
            {
                var v = (centres[(c * dim) + j] / MathF.Sqrt(dim)) + (noise * Gaussian(rng));
                data[(i * dim) + j] = v;
                norm += v * v;
            }
            var inv = (float)(1 / Math.Sqrt(norm));
            for (var j = 0; j < dim; j++)
            {
                data[(i * dim) + j] *= inv;
            }
        }
        return data;
    }

    public static long[] Labels(int n, long start = 0) => Enumerable.Range(0, n).Select(i => start + i).ToArray();

    public static ReadOnlySpan<float> Row(float[] data, int dim, int i) => data.AsSpan(i * dim, dim);

    /// <summary>Fraction of <paramref name="expected"/>'s labels found in <paramref name="actual"/>.</summary>
    public static double Overlap(IReadOnlyList<Neighbor> actual, IReadOnlyList<Neighbor> expected)
    {
        var want = expected.Select(n => n.Label).ToHashSet();
        return expected.Count == 0 ? 1 : actual.Count(n => want.Contains(n.Label)) / (double)expected.Count;
    }

    /// <summary>Rows <c>label,v0,…</c> of a CSV under <c>shared/bugs/inputs/vectors</c>; components parsed as float32
    /// (so "1e39" becomes +Infinity, "nan" NaN).</summary>
    public static List<(string Label, float[] Vector)> ReadVectors(string fileName)
    {
        var rows = new List<(string, float[])>();
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.BugInputs, "vectors", fileName)))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var parts = line.Split(',');
            var v = new float[parts.Length - 1];
            for (var i = 1; i < parts.Length; i++)
            {
                v[i - 1] = parts[i].Trim().ToUpperInvariant() switch
                {
                    "NAN" or "-NAN" => float.NaN,
                    "INF" or "+INF" or "INFINITY" => float.PositiveInfinity,
                    "-INF" or "-INFINITY" => float.NegativeInfinity,
                    var text => float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
            }
            rows.Add((parts[0], v));
        }
        return rows;
    }

    /// <summary>Asserts the result is sorted by (distance, label), has distinct labels and finite distances.</summary>
    public static void AssertWellFormed(IReadOnlyList<Neighbor> result)
    {
        Assert.Equal(result.Count, result.Select(r => r.Label).Distinct().Count());
        for (var i = 0; i < result.Count; i++)
        {
            Assert.True(float.IsFinite(result[i].Distance), $"distance {result[i].Distance} at {i}");
            if (i > 0)
            {
                var (a, b) = (result[i - 1], result[i]);
                Assert.True(a.Distance < b.Distance || (a.Distance == b.Distance && a.Label < b.Label), $"order broken at {i}: {a} then {b}");
            }
        }
    }

    private static float Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
