using System.Globalization;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Index;
using Lookalike.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Lookalike.Tests.Gallery;

/// <summary><see cref="EfSearchSweep"/>: queries the index does not hold, median timing, a monotone frontier.</summary>
public sealed class EfSearchSweepTests
{
    private const int People = 60;
    private const int FacesPerPerson = 4;
    private const int Dimension = 32;

    /// <summary>A small clustered gallery (people = clusters) on a sparse graph (M 4, efConstruction 8), so small efSearch misses neighbours.</summary>
    private static GallerySnapshot SmallGallery()
    {
        var index = new HnswIndex(new HnswOptions { Dimension = Dimension, Metric = DistanceMetric.Cosine, M = 4, EfConstruction = 8, Seed = 3 });
        var random = new Random(11);
        var faces = new List<FaceRef>();
        var vectors = new float[People * FacesPerPerson * Dimension];
        for (var person = 0; person < People; person++)
        {
            var centre = Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            for (var f = 0; f < FacesPerPerson; f++)
            {
                var id = (long)(person * FacesPerPerson + f + 1);
                var row = vectors.AsSpan((int)(id - 1) * Dimension, Dimension);
                for (var d = 0; d < Dimension; d++)
                {
                    row[d] = centre[d] + 0.35f * ((float)random.NextDouble() - 0.5f);
                }
                faces.Add(new FaceRef(id, id, person + 1, $"Person {person + 1}"));
            }
        }
        for (var i = 0; i < faces.Count; i++)
        {
            index.Add(faces[i].FaceId, vectors.AsSpan(i * Dimension, Dimension));
        }
        var snapshot = new GallerySnapshot(index, TimeSpan.Zero, loadedFromFile: false);
        var normalised = new float[vectors.Length];
        for (var i = 0; i < faces.Count; i++)
        {
            index.TryGetVector(faces[i].FaceId, normalised.AsSpan(i * Dimension, Dimension));
        }
        snapshot.AppendExact(faces, normalised);
        return snapshot;
    }

    [Fact]
    public void Run_LeaveOneOut_RecallAtMostSelfQueryRecall()
    {
        var snapshot = SmallGallery();
        int[] ef = [10, 16, 32, 64];

        var self = EfSearchSweep.Run(snapshot, ef, queries: 80, source: SweepQuerySource.SelfQuery, passes: 1);
        var leaveOneOut = EfSearchSweep.Run(snapshot, ef, queries: 80, source: SweepQuerySource.LeaveOneOut, passes: 1);
        var heldOut = EfSearchSweep.Run(snapshot, ef, queries: 80, source: SweepQuerySource.HeldOutPeople, passes: 1);

        for (var i = 0; i < ef.Length; i++)
        {
            Assert.True(leaveOneOut[i].Recall <= self[i].Recall, $"efSearch {ef[i]}: leave-one-out {leaveOneOut[i].Recall} > self {self[i].Recall}");
            Assert.True(heldOut[i].Recall <= self[i].Recall, $"efSearch {ef[i]}: held out {heldOut[i].Recall} > self {self[i].Recall}");
        }
        Assert.True(heldOut[0].Recall < self[0].Recall);
    }

    [Fact]
    public void Prepare_HeldOutPeople_QueryAndItsPersonAreInNeitherTheSearchedIndexNorTheTruth()
    {
        var snapshot = SmallGallery();

        var set = EfSearchSweep.Prepare(snapshot, SweepQuerySource.HeldOutPeople, queries: 100);

        Assert.Equal(People, set.Count); // five folds of a fifth of the people: everyone asks once
        foreach (var (index, self, truth) in set.Items)
        {
            var person = snapshot.Faces[self].PersonId;
            var personFaces = snapshot.Faces.Values.Where(f => f.PersonId == person).Select(f => f.FaceId).ToList();
            Assert.All(personFaces, id => Assert.False(index.Contains(id)));
            Assert.All(personFaces, id => Assert.DoesNotContain(id, truth));
            Assert.Equal(10, truth.Count);
            Assert.Equal(snapshot.Count - People / 5 * FacesPerPerson, index.Count); // the fold's people are out, everyone else in
        }
        Assert.All(set.Items, q => Assert.NotSame(snapshot.Index, q.Index));
    }

    [Theory]
    [InlineData(new[] { 5.0, 1.0, 3.0 }, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)]
    [InlineData(new[] { 0.2, 0.21, 9.0, 0.19, 0.2 }, 0.2)] // one slow pass does not move it
    [InlineData(new double[0], 0.0)]
    public void Median_Values_MiddleValue(double[] values, double expected)
    {
        Assert.Equal(expected, EfSearchSweep.Median(values), 9);
    }

    [Fact]
    public void Run_FivePasses_PointsForEveryValueWithPositiveLatency()
    {
        var snapshot = SmallGallery();

        var points = EfSearchSweep.Run(snapshot, [10, 24, 64], queries: 20, passes: EfSearchSweep.DefaultPasses);

        Assert.Equal([10, 24, 64], points.Select(p => p.EfSearch));
        Assert.All(points, p => Assert.True(p.MedianLatencyMs > 0 && double.IsFinite(p.Qps)));
        Assert.True(points[^1].MeanDistanceComputations > points[0].MeanDistanceComputations);
    }

    [Fact]
    public void ParetoFrontier_ZigZagTimings_MonotoneAndWithoutDominatedPoints()
    {
        // efSearch 10 measured slower than 12 (noise) and 48 slower than 64 with lower recall
        SweepPoint[] points =
        [
            new(10, 0.80, 0.060, 1), new(12, 0.84, 0.050, 1), new(16, 0.88, 0.070, 1), new(24, 0.88, 0.090, 1),
            new(32, 0.93, 0.100, 1), new(48, 0.95, 0.180, 1), new(64, 0.97, 0.150, 1), new(96, 0.97, 0.200, 1),
        ];

        var frontier = EfSearchSweep.ParetoFrontier(points);

        Assert.Equal([12, 16, 32, 64], frontier.Select(p => p.EfSearch));
        Assert.True(frontier.Zip(frontier.Skip(1)).All(pair => pair.Second.MedianLatencyMs > pair.First.MedianLatencyMs && pair.Second.Recall > pair.First.Recall));
        foreach (var p in frontier)
        {
            Assert.DoesNotContain(points, o => o != p && o.MedianLatencyMs <= p.MedianLatencyMs && o.Recall >= p.Recall);
        }
    }

    [Fact]
    public void ParetoFrontier_RealSweep_Monotone()
    {
        var points = EfSearchSweep.Run(SmallGallery(), EfSearchSweep.DefaultValues, queries: 30);

        var frontier = EfSearchSweep.ParetoFrontier(points);

        Assert.NotEmpty(frontier);
        Assert.True(frontier.Zip(frontier.Skip(1)).All(pair => pair.Second.MedianLatencyMs > pair.First.MedianLatencyMs && pair.Second.Recall > pair.First.Recall));
    }
}

/// <summary>The sweep on the LFW slice: strangers' (left-out people's) recall against the old gallery-face recall.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class EfSearchSweepLfwTests(LfwGalleryFixture gallery, ITestOutputHelper output)
{
    private static readonly int[] Values = [10, 12, 16, 24, 32, 48, 64, 96, 128, 200];

    /// <summary>
    /// Prints the three recall columns on the LFW slice and checks what holds for any gallery: every column is a
    /// fraction, and at an efSearch above the face count (200 &gt; 183) the walk reaches every node, so the live index and
    /// every held-out fold index return exactly what exact search returns. Which of held-out and leave-one-out recall is
    /// lower at small efSearch is not asserted: on 183 faces it changes from one build to the next (the fold indices hold
    /// a fifth fewer faces, and the live graph's build order follows the import's threads; a CI run printed 0.910
    /// leave-one-out against 0.963 held out at efSearch 10, eight runs here 0.984–0.998 against 0.950–0.972). On the full
    /// 9,145-face gallery the gap is wide (<see cref="SweepQuerySource.HeldOutPeople"/>).
    /// </summary>
    [SharedDataFact("data/lfw")]
    public async Task Run_LfwSlice_RecallsAreFractionsAndExactAboveTheFaceCount()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        Assert.True(live.Current.Count < Values[^1]);

        var report = Report(live.Current, output);

        Assert.Equal(Values, report.Select(r => r.Ef));
        Assert.All(report, r => Assert.True(r.Self is >= 0 and <= 1 && r.LeaveOneOut is >= 0 and <= 1 && r.HeldOut is >= 0 and <= 1));
        Assert.Equal((1.0, 1.0, 1.0), (report[^1].Self, report[^1].LeaveOneOut, report[^1].HeldOut));
    }

    /// <summary>The same report over any data directory: LOOKALIKE_SWEEP_DATA=/path (a copy; the store is only read).</summary>
    [Fact]
    public async Task Run_DataDirectoryFromEnvironment_Report()
    {
        var data = Environment.GetEnvironmentVariable("LOOKALIKE_SWEEP_DATA");
        if (string.IsNullOrEmpty(data))
        {
            return;
        }
        using var services = GalleryServices.Create(data);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();

        Report(live.Current, output);
    }

    private static List<(int Ef, double Self, double LeaveOneOut, double HeldOut, double Ms)> Report(GallerySnapshot snapshot, ITestOutputHelper output)
    {
        var self = EfSearchSweep.Run(snapshot, Values, source: SweepQuerySource.SelfQuery, passes: 1);
        var loo = EfSearchSweep.Run(snapshot, Values, source: SweepQuerySource.LeaveOneOut, passes: 1);
        var held = EfSearchSweep.Prepare(snapshot, SweepQuerySource.HeldOutPeople);
        var heldPoints = EfSearchSweep.Run(held, Values);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{snapshot.Count} faces, {snapshot.Parameters.M}/{snapshot.Parameters.EfConstruction}; held-out queries {held.Count}"));
        output.WriteLine(GraphShape(snapshot.Index));
        output.WriteLine("efSearch\tself\tleave-one-out (old)\theld-out people (new)\tmedian ms");
        var rows = Values.Select((ef, i) => (ef, self[i].Recall, loo[i].Recall, heldPoints[i].Recall, heldPoints[i].MedianLatencyMs)).ToList();
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.ef}\t{r.Item2:0.000}\t{r.Item3:0.000}\t{r.Item4:0.000}\t{r.Item5:0.000}"));
        }
        return rows;
    }

    /// <summary>The graph's shape, printed beside the recall so that a poor build can be told apart from a poor query
    /// set: slots, nodes per layer, and on layer 0 the out-degree range and the nodes no other node links to.</summary>
    private static string GraphShape(HnswIndex index)
    {
        var labels = index.GetLabels();
        var inDegree = labels.ToDictionary(l => l, _ => 0);
        var outDegrees = new List<int>(labels.Count);
        foreach (var label in labels)
        {
            var neighbours = index.GetNeighbors(label, 0);
            outDegrees.Add(neighbours.Count);
            foreach (var n in neighbours)
            {
                inDegree[n]++; // GetNeighbors lists live labels only, all of them keys here
            }
        }
        var degrees = outDegrees.DefaultIfEmpty().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"graph: {index.SlotCount} slots, nodes per layer {string.Join("/", index.GetLayerCounts())}, layer 0 out-degree {degrees.Min()}–{degrees.Max()} (mean {degrees.Average():0.0}), without in-links {inDegree.Values.Count(d => d == 0)}");
    }
}
