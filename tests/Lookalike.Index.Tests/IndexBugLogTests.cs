using Lookalike.Index;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Index.Tests;

/// <summary>The index cases of <c>shared/bugs/LOG.md</c> (B18, B20, B21, B24, B26, B27), on the fixtures in
/// <c>shared/bugs/inputs/vectors</c>. CSV labels are strings; the tests use the row number as the index label.</summary>
public class IndexBugLogTests
{
    private const string Vectors = "bugs/inputs/vectors";
    private const int Dim = 128;

    private static HnswIndex NewIndex(int m = 16, int efConstruction = 200, int initialCapacity = 1024) =>
        new(new HnswOptions { Dimension = Dim, Metric = DistanceMetric.Cosine, M = m, EfConstruction = efConstruction, InitialCapacity = initialCapacity });

    [SharedDataFact(Vectors)]
    public void B18_KAboveCountAndEmptyIndex_MinKCountResultsAndEmpty()
    {
        // Arrange
        var gallery = IndexTestData.ReadVectors("b18_gallery_3.csv");
        var query = IndexTestData.ReadVectors("b18_query.csv")[0].Vector;
        var empty = NewIndex();
        var index = NewIndex();
        for (var i = 0; i < gallery.Count; i++)
        {
            index.Add(i, gallery[i].Vector);
        }

        // Act
        var result = index.Search(query, 10);
        var emptyResult = empty.Search(query, 10);

        // Assert
        Assert.Equal(3, result.Count);
        Assert.Equal(new long[] { 0, 1, 2 }, result.Select(r => r.Label).Order());
        IndexTestData.AssertWellFormed(result);
        Assert.All(result, r => Assert.InRange(r.Distance, 0f, 2f));
        Assert.Empty(emptyResult);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(query, 0)).ParamName);
    }

    [SharedDataFact(Vectors)]
    public void B20_NonFiniteComponents_RejectedNamingLabelAndComponentValidRowsAdded()
    {
        // Arrange
        var rows = IndexTestData.ReadVectors("b20_gallery_nonfinite.csv");
        var nanQuery = IndexTestData.ReadVectors("b20_query_nan.csv")[0].Vector;
        var index = NewIndex();
        var messages = new List<string>();

        // Act
        for (var i = 0; i < rows.Count; i++)
        {
            try
            {
                index.Add(i, rows[i].Vector);
            }
            catch (ArgumentException ex)
            {
                messages.Add(ex.Message);
            }
        }

        // Assert: ok_0 and ok_1 added; nan_at_17, posinf_at_5, neginf_at_100, overflows_float32_at_64 rejected.
        Assert.Equal(2, index.Count);
        Assert.True(index.Contains(0) && index.Contains(5));
        Assert.Equal(4, messages.Count);
        Assert.Contains("label 1: component 17 is NaN", messages[0], StringComparison.Ordinal);
        Assert.Contains("label 2: component 5 is +Infinity", messages[1], StringComparison.Ordinal);
        Assert.Contains("label 3: component 100 is -Infinity", messages[2], StringComparison.Ordinal);
        Assert.Contains("label 4: component 64 is +Infinity", messages[3], StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => index.Search(nanQuery, 3));
    }

    [SharedDataFact(Vectors)]
    public void B21_WrongDimension_AddAndSearchThrowNamingBothSizes()
    {
        // Arrange
        var index = NewIndex();
        index.Add(0, IndexTestData.ReadVectors("b18_query.csv")[0].Vector);

        foreach (var (file, size) in new[] { ("b21_dim_127.csv", 127), ("b21_dim_129.csv", 129), ("b21_dim_512.csv", 512) })
        {
            var v = IndexTestData.ReadVectors(file)[0].Vector;

            // Act
            var add = Assert.Throws<ArgumentException>(() => index.Add(1, v));
            var search = Assert.Throws<ArgumentException>(() => index.Search(v, 1));

            // Assert
            Assert.Contains($"expected 128 dimensions, got {size}", add.Message, StringComparison.Ordinal);
            Assert.Contains($"expected 128 dimensions, got {size}", search.Message, StringComparison.Ordinal);
            Assert.Equal(1, index.Count);
        }
    }

    [SharedDataFact(Vectors)]
    public void B24_AddBeyondInitialCapacity_GrowsAndKeepsEverything()
    {
        // Arrange
        var rows = IndexTestData.ReadVectors("b27_clustered_100x20.csv");
        var small = NewIndex(initialCapacity: 100);
        var one = NewIndex(initialCapacity: 1);
        var bulk = NewIndex();

        // Act
        for (var i = 0; i < 101; i++)
        {
            small.Add(i, rows[i].Vector);
        }
        one.Add(0, rows[0].Vector);
        for (var i = 0; i < rows.Count; i++)
        {
            bulk.Add(i, rows[i].Vector);
        }

        // Assert
        Assert.Equal(101, small.Count);
        Assert.Equal(1, one.Count);
        Assert.Equal(2000, bulk.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, bulk.Search(rows[i].Vector, 1)[0].Label);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => NewIndex(initialCapacity: 0));
    }

    [SharedDataFact(Vectors)]
    public void B26_FourSearchersWhileImporting_NoErrorsValidResultsExactCount()
    {
        // Arrange
        var rows = IndexTestData.ReadVectors("b27_clustered_100x20.csv");
        var queries = IndexTestData.ReadVectors("b27_queries.csv");
        var index = NewIndex(initialCapacity: 16);
        using var done = new CancellationTokenSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var added = 0;
        var searches = 0;

        // Act
        var readers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                var i = t;
                while (!done.IsCancellationRequested || Volatile.Read(ref searches) < 100)
                {
                    var before = Volatile.Read(ref added);
                    var result = index.Search(queries[i++ % queries.Count].Vector, 10);
                    var after = Volatile.Read(ref added);
                    IndexTestData.AssertWellFormed(result);
                    Assert.True(result.Count == Math.Min(10, before) || result.Count <= after, $"{result.Count} results, {before}…{after} added");
                    // A label becomes searchable while its Add runs, i.e. before `added` counts it.
                    Assert.All(result, r => Assert.InRange(r.Label, 0, after));
                    Assert.All(result, r => Assert.InRange(r.Distance, -1e-5f, 2f));
                    Interlocked.Increment(ref searches);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                errors.Enqueue(ex);
            }
        })).ToArray();
        Array.ForEach(readers, r => r.Start());
        for (var i = 0; i < rows.Count; i++)
        {
            index.Add(i, rows[i].Vector);
            Volatile.Write(ref added, i + 1);
        }
        done.Cancel();
        Array.ForEach(readers, r => r.Join());

        // Assert
        Assert.Empty(errors);
        Assert.Equal(2000, index.Count);
        Assert.Equal(2000, index.GetLabels().Distinct().Count());
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, index.Search(rows[i].Vector, 1)[0].Label);
        }
    }

    [SharedDataFact(Vectors)]
    public void B27_TightClustersDefaults_RecallAtLeast95AndTopIdentityAlwaysRight()
    {
        // Arrange
        var rows = IndexTestData.ReadVectors("b27_clustered_100x20.csv");
        var queries = IndexTestData.ReadVectors("b27_queries.csv");
        var truth = File.ReadAllLines(Path.Combine(TestPaths.BugInputs, "vectors", "b27_groundtruth_top10.csv"))
            .Select(l => l.Split(',')).ToDictionary(p => p[0], p => p.Skip(1).Select(x => x.Split(':')[0]).ToHashSet());
        var index = new HnswIndex(new HnswOptions { Dimension = Dim });
        index.AddRange(Enumerable.Range(0, rows.Count).Select(i => (long)i).ToArray(), rows.SelectMany(r => r.Vector).ToArray());

        // Act
        double hits = 0;
        var identityRight = 0;
        foreach (var (name, vector) in queries)
        {
            var result = index.Search(vector, 10);
            hits += result.Count(r => truth[name].Contains(rows[(int)r.Label].Label));
            var identity = name["q_".Length..];
            identityRight += rows[(int)result[0].Label].Label.StartsWith(identity + "_", StringComparison.Ordinal) ? 1 : 0;
        }
        var recall = hits / (queries.Count * 10.0);

        // Assert
        Assert.True(recall >= 0.95, $"recall@10 = {recall:F3}");
        Assert.Equal(queries.Count, identityRight);
    }

    [SharedDataFact(Vectors)]
    public void B27_ExtremeTuningValues_EfRaisedToKAndInvalidRejected()
    {
        // Arrange
        var rows = IndexTestData.ReadVectors("b27_clustered_100x20.csv");
        var query = IndexTestData.ReadVectors("b27_queries.csv")[0].Vector;
        var tiny = NewIndex(m: 2, efConstruction: 4);
        tiny.AddRange(Enumerable.Range(0, rows.Count).Select(i => (long)i).ToArray(), rows.SelectMany(r => r.Vector).ToArray(), 1);

        // Act
        var efOne = tiny.Search(query, 10, efSearch: 1);
        var efNegative = tiny.Search(query, 10, efSearch: -1);

        // Assert
        Assert.Equal(10, efOne.Count);
        Assert.Equal(10, efNegative.Count);
        Assert.Equal("M", Assert.Throws<ArgumentOutOfRangeException>(() => NewIndex(m: 0)).ParamName);
        Assert.Equal("EfConstruction", Assert.Throws<ArgumentOutOfRangeException>(() => NewIndex(efConstruction: 0)).ParamName);
    }
}
