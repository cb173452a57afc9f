using Lookalike.Index;

namespace Lookalike.Index.Tests;

/// <summary>Issue 15: vectors that cannot be normalised are refused, and no search ever returns a NaN, infinite or
/// out-of-range distance.</summary>
public class VectorEdgeCaseTests
{
    private const int Dim = 16;

    public static TheoryData<string, float> Unnormalisable => new()
    {
        { "underflowing squared norm", 1e-30f },
        { "subnormal components", 1e-45f },
        { "zero", 0f },
        { "negative zero", -0f },
    };

    [Theory]
    [MemberData(nameof(Unnormalisable))]
    public void HnswAdd_CosineVectorThatCannotBeNormalised_ThrowsNamingLabel(string what, float component)
    {
        // Arrange
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });
        var v = Filled(component);

        // Act
        var ex = Assert.Throws<ArgumentException>(() => index.Add(42, v));

        // Assert
        Assert.Contains("label 42", ex.Message, StringComparison.Ordinal);
        Assert.Equal("vector", ex.ParamName);
        Assert.Equal(0, index.Count);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Theory]
    [MemberData(nameof(Unnormalisable))]
    public void FlatAdd_CosineVectorThatCannotBeNormalised_ThrowsNamingLabel(string what, float component)
    {
        var index = new FlatIndex(Dim, DistanceMetric.Cosine);

        var ex = Assert.Throws<ArgumentException>(() => index.Add(7, Filled(component)));

        Assert.Contains("label 7", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, index.Count);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Theory]
    [MemberData(nameof(Unnormalisable))]
    public void Search_CosineQueryThatCannotBeNormalised_ThrowsForBothIndexes(string what, float component)
    {
        // Arrange
        var hnsw = new HnswIndex(new HnswOptions { Dimension = Dim });
        var flat = new FlatIndex(Dim, DistanceMetric.Cosine);
        hnsw.Add(1, Filled(1f));
        flat.Add(1, Filled(1f));
        var q = Filled(component);

        // Act + Assert
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => hnsw.Search(q, 1)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => flat.Search(q, 1)).ParamName);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Add_UnderflowingVector_MessageSaysWhy()
    {
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });

        var ex = Assert.Throws<ArgumentException>(() => index.Add(3, Filled(1e-30f)));

        Assert.Contains("too small to normalise", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_TinyButNormalisableVector_IsAcceptedAndFindsItselfAtDistanceZero()
    {
        // 1e-15 per component: squared norm 1.6e-29 is a normal float, so the direction is well defined.
        var hnsw = new HnswIndex(new HnswOptions { Dimension = Dim });
        var flat = new FlatIndex(Dim, DistanceMetric.Cosine);
        var v = Filled(1e-15f);
        v[3] = 3e-15f;
        hnsw.Add(1, v);
        flat.Add(1, v);

        var h = hnsw.Search(v, 1)[0];
        var f = flat.Search(v, 1)[0];

        Assert.Equal(1, h.Label);
        Assert.InRange(h.Distance, 0f, 1e-6f);
        Assert.InRange(f.Distance, 0f, 1e-6f);
    }

    [Fact]
    public void SelfQueries_Cosine_NeverNegative()
    {
        // Arrange: 400 random vectors at many scales; each queried with itself.
        var rng = new Random(15);
        var hnsw = new HnswIndex(new HnswOptions { Dimension = Dim });
        var flat = new FlatIndex(Dim, DistanceMetric.Cosine);
        var rows = new List<float[]>();
        for (var i = 0; i < 400; i++)
        {
            var scale = MathF.Pow(10, rng.Next(-15, 16));
            var v = new float[Dim];
            for (var j = 0; j < Dim; j++)
            {
                v[j] = (rng.NextSingle() - 0.5f) * scale;
            }
            rows.Add(v);
            hnsw.Add(i, v);
            flat.Add(i, v);
        }

        // Act + Assert
        foreach (var v in rows)
        {
            foreach (var n in hnsw.Search(v, 3).Concat(flat.Search(v, 3)))
            {
                Assert.InRange(n.Distance, 0f, 2f);
            }
        }
    }

    public static TheoryData<DistanceMetric> Metrics => new() { DistanceMetric.SquaredL2, DistanceMetric.Cosine, DistanceMetric.InnerProduct };

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Search_RandomTinyHugeSubnormalNegativeZeroVectors_DistancesFiniteAndInRange(DistanceMetric metric)
    {
        // Arrange: a property check over 600 random vectors whose components are drawn from tiny, huge, subnormal,
        // ±0 and ordinary values; every vector an index accepts is added to both, every one is also a query.
        var rng = new Random(1515 + (int)metric);
        var hnsw = new HnswIndex(new HnswOptions { Dimension = Dim, Metric = metric, M = 8, EfConstruction = 64 });
        var flat = new FlatIndex(Dim, metric);
        var accepted = new List<float[]>();
        for (var i = 0; i < 600; i++)
        {
            var v = RandomEdgeVector(rng);
            var hnswOk = TryAdd(() => hnsw.Add(i, v));
            var flatOk = TryAdd(() => flat.Add(i, v));
            Assert.Equal(hnswOk, flatOk);
            if (hnswOk)
            {
                accepted.Add(v);
            }
        }
        Assert.NotEmpty(accepted);

        // Act + Assert
        foreach (var q in accepted)
        {
            foreach (var n in hnsw.Search(q, 5, 32).Concat(flat.Search(q, 5)))
            {
                Assert.False(float.IsNaN(n.Distance), $"{metric}: NaN distance for label {n.Label}");
                Assert.True(float.IsFinite(n.Distance), $"{metric}: distance {n.Distance} for label {n.Label}");
                switch (metric)
                {
                    case DistanceMetric.Cosine:
                        Assert.InRange(n.Distance, 0f, 2f);
                        break;
                    case DistanceMetric.SquaredL2:
                        Assert.True(n.Distance >= 0, $"L2 distance {n.Distance}");
                        break;
                }
            }
            IndexTestData.AssertWellFormed(hnsw.Search(q, 5, 32));
            IndexTestData.AssertWellFormed(flat.Search(q, 5));
        }
    }

    private static float[] RandomEdgeVector(Random rng)
    {
        var kind = rng.Next(6);
        var v = new float[Dim];
        for (var j = 0; j < Dim; j++)
        {
            var sign = rng.Next(2) == 0 ? 1f : -1f;
            v[j] = kind switch
            {
                0 => sign * rng.NextSingle() * 1e-30f,                       // underflowing squares
                1 => sign * BitConverter.Int32BitsToSingle(rng.Next(1, 1 << 23)), // subnormals
                2 => rng.Next(2) == 0 ? 0f : -0f,                            // ±0
                3 => sign * rng.NextSingle() * 3e38f,                        // huge: squares overflow
                4 => rng.Next(3) switch { 0 => -0f, 1 => sign * 1e-45f, _ => sign * rng.NextSingle() * 1e19f },
                _ => sign * rng.NextSingle(),                                // ordinary
            };
        }
        return v;
    }

    private static bool TryAdd(Action add)
    {
        try
        {
            add();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static float[] Filled(float value)
    {
        var v = new float[Dim];
        Array.Fill(v, value);
        return v;
    }
}
