using Lookalike.Index;

namespace Lookalike.Index.Tests;

/// <summary>Issue 15: a gallery holding hundreds of identical vectors (the same photo re-encoded again and again) must
/// not trap the search of other queries in the clique of copies.</summary>
public class HnswDuplicateTests
{
    private const int Dim = 128, Distinct = 4_000, Copies = 400, Queries = 300, K = 10;

    [Fact]
    public void Search_GalleryWithHundredsOfIdenticalCopies_RecallAtLeast97AndWithin2PointsOfNoCopies()
    {
        // Arrange: 4,000 distinct unit vectors in 40 clusters, plus 400 copies of one of them, default options
        // (M 16, efConstruction 200, efSearch 64). Queries come from the same clusters; recall counts a result as
        // correct when its distance is within the exact 10th distance (copies tie, so labels alone cannot be compared).
        var all = IndexTestData.Clustered(Distinct + Queries, Dim, 40, 0.06f, 1515);
        var queries = all.AsSpan(Distinct * Dim).ToArray();
        var withCopies = Build(all, Copies, out var flatWithCopies);
        var withoutCopies = Build(all, 0, out var flatWithoutCopies);

        // Act
        var recallWith = Recall(withCopies, flatWithCopies, queries);
        var recallWithout = Recall(withoutCopies, flatWithoutCopies, queries);

        // Assert
        Assert.True(recallWith >= 0.97, $"recall@10 with {Copies} copies = {recallWith:F4} (without: {recallWithout:F4})");
        Assert.True(recallWith >= recallWithout - 0.02, $"recall@10 with copies {recallWith:F4}, without {recallWithout:F4}");
    }

    [Fact]
    public void Search_QueryEqualToTheCopies_ReturnsCopiesAtDistanceZero()
    {
        // Arrange
        var all = IndexTestData.Clustered(Distinct, Dim, 40, 0.06f, 1516);
        var index = Build(all, Copies, out _);
        var copy = IndexTestData.Row(all, Dim, 0).ToArray();

        // Act
        var result = index.Search(copy, K);

        // Assert: ten results, all at distance 0 (the original and its copies), none trapped elsewhere.
        Assert.Equal(K, result.Count);
        Assert.All(result, n => Assert.True(n.Distance <= 1e-6f, $"label {n.Label} at {n.Distance}"));
    }

    private static HnswIndex Build(float[] all, int copies, out FlatIndex flat)
    {
        var n = Distinct + copies;
        var data = new float[n * Dim];
        all.AsSpan(0, Distinct * Dim).CopyTo(data);
        for (var c = 0; c < copies; c++)
        {
            // Interleave: copy c sits after row (c · Distinct / copies), as a gallery imports them over time.
            all.AsSpan(0, Dim).CopyTo(data.AsSpan((Distinct + c) * Dim, Dim));
        }
        var order = Enumerable.Range(0, n).OrderBy(i => i < Distinct ? i * (long)copies : (long)(i - Distinct) * Distinct + 1).ToArray();
        var labels = order.Select(i => (long)i).ToArray();
        var rows = new float[n * Dim];
        for (var i = 0; i < n; i++)
        {
            data.AsSpan(order[i] * Dim, Dim).CopyTo(rows.AsSpan(i * Dim, Dim));
        }
        var index = new HnswIndex(new HnswOptions { Dimension = Dim, InitialCapacity = n });
        index.AddRange(labels, rows, maxDegreeOfParallelism: 1);
        flat = new FlatIndex(Dim, DistanceMetric.Cosine);
        for (var i = 0; i < n; i++)
        {
            flat.Add(labels[i], rows.AsSpan(i * Dim, Dim));
        }
        return index;
    }

    private static double Recall(HnswIndex index, FlatIndex flat, float[] queries)
    {
        double hits = 0;
        for (var q = 0; q < Queries; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim);
            var truth = flat.Search(query, K);
            var limit = truth[^1].Distance + 1e-6f;
            hits += index.Search(query, K).Count(n => n.Distance <= limit);
        }
        return hits / (Queries * K);
    }
}
