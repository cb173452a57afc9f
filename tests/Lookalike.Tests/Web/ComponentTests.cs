using System.Globalization;
using Bunit;
using Lookalike.Faces;
using Lookalike.Web;
using Lookalike.Web.Components.Pages.Tuning;
using Lookalike.Web.Components.Shared;
using Lookalike.Gallery;
using Lookalike.Index;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Lookalike.Web.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Lookalike.Tests.Web;

/// <summary>bUnit tests of the UI's components (no pipeline or index needed).</summary>
public sealed class ComponentTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public ComponentTests()
    {
        _ctx.Services.AddMudServices();
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    private IRenderedComponent<T> Render<T>(Action<ComponentParameterCollectionBuilder<T>> parameters) where T : Microsoft.AspNetCore.Components.IComponent =>
        _ctx.Render(parameters);

    private static ProbeFace Face(int index, float x) => new(index, new FaceBox(x, 10, 50, 60), 0.9f, new float[128], "data:image/jpeg;base64,AA==");

    [Fact]
    public void FaceOverlay_TwoFaces_BoxesDrawnAndSelectedMarked()
    {
        var cut = Render<FaceOverlay>(p => p
            .Add(c => c.PhotoUrl, "data:image/jpeg;base64,")
            .Add(c => c.Width, 400).Add(c => c.Height, 300)
            .Add(c => c.Faces, [Face(0, 10), Face(1, 200)])
            .Add(c => c.Selected, 0));

        var boxes = cut.FindAll("[data-testid=face-box]");

        Assert.Equal(2, boxes.Count);
        Assert.Contains("selected", boxes[0].ClassName, StringComparison.Ordinal);
        Assert.DoesNotContain("selected", boxes[1].ClassName, StringComparison.Ordinal);
        Assert.Equal("0 0 400 300", cut.Find("svg").GetAttribute("viewBox"));
    }

    [Fact]
    public void FaceOverlay_ClickSecondBox_RaisesOnSelectWithItsIndex()
    {
        var selected = -1;
        var cut = Render<FaceOverlay>(p => p
            .Add(c => c.PhotoUrl, "x").Add(c => c.Width, 400).Add(c => c.Height, 300)
            .Add(c => c.Faces, [Face(0, 10), Face(1, 200)])
            .Add(c => c.OnSelect, i => selected = i));

        cut.FindAll("[data-testid=face-box]")[1].Click();

        Assert.Equal(1, selected);
    }

    [Fact]
    public void MatchGallery_People_HeadlineThenOneCardPerPerson()
    {
        PersonMatch[] people =
        [
            new(1, 100, "Ada Lovelace", 0.10f, 1, 11, 2, 0.995),
            new(2, 200, "Grace Hopper", 0.15f, 3, 13, 1, 0.5),
        ];

        var cut = Render<MatchGallery>(p => p.Add(c => c.People, people).Add(c => c.ProbeChip, "data:image/jpeg;base64,AA==").Add(c => c.TypicalStrangerDistance, 0.12f));
        var cards = cut.FindAll("[data-testid=match-card]");

        Assert.Equal(["Ada Lovelace", "Grace Hopper"], cards.Select(c => c.GetAttribute("data-person")));
        Assert.Equal("You look most like Ada Lovelace", cut.Find("[data-testid=best-match-headline]").TextContent);
        Assert.Equal("data:image/jpeg;base64,AA==", cut.Find("[data-testid=probe-chip]").GetAttribute("src"));
        Assert.Contains("2 near photos", cards[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("0.100", cards[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("strangers' best look-alikes sit near 0.120", cards[0].TextContent, StringComparison.Ordinal); // the scale is explained
        Assert.Contains("Exceptional resemblance", cards[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Typical (50", cards[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("strangers' 2nd look-alikes", cards[1].QuerySelector("[data-testid=match-similarity]")!.GetAttribute("title"), StringComparison.Ordinal); // rated at its own rank
    }

    [Fact]
    public void MatchGallery_NoPeople_ShowsEmptyText()
    {
        var cut = Render<MatchGallery>(p => p.Add(c => c.People, []));

        Assert.Contains("No look-alikes", cut.Find("[data-testid=no-matches]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 1, "gallery too small")]
    [InlineData(0.5, 1, "Typical: about what a stranger gets")]
    [InlineData(0.5, 3, "strangers' 3rd look-alikes")]
    [InlineData(0.1, 1, "Faint")]
    [InlineData(0.93, 1, "Strong resemblance")]
    [InlineData(0.995, 1, "Exceptional resemblance")]
    public void Similarity_PercentileAtRank_IsWordedHonestly(double? percentile, int rank, string expected)
    {
        Assert.Contains(expected, MatchGallery.Similarity(percentile, rank), StringComparison.Ordinal);
        if (percentile is >= 0.3 and < 0.7)
        {
            Assert.DoesNotContain("resemblance", MatchGallery.Similarity(percentile, rank), StringComparison.Ordinal); // a stranger's result does not sound like a match
        }
    }

    [Fact]
    public void SearchControls_MoveKSlider_RaisesKChanged()
    {
        var k = 0;
        var cut = Render<SearchControls>(p => p.Add(c => c.K, 10).Add(c => c.KChanged, v => k = v));

        cut.FindAll("input[type=range]")[0].Input("25");

        Assert.Equal(25, k);
    }

    [Fact]
    public void SearchControls_EfBelowK_SaysItIsRaised()
    {
        var cut = Render<SearchControls>(p => p.Add(c => c.K, 20).Add(c => c.EfSearch, 5));

        Assert.Contains("raised to k = 20", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void DistanceHistogram_Threshold_DrawsTheLine()
    {
        var cut = Render<DistanceHistogram>(p => p.Add(c => c.Strangers, [0.2f, 0.3f, 0.35f]).Add(c => c.Matches, [0.1f]).Add(c => c.Threshold, 0.25f));

        Assert.NotNull(cut.Find("[data-testid=threshold-line]"));
        Assert.Contains("max 0.25", cut.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "200", "64", "M must be between 2 and 128.")]
    [InlineData("16", "8", "64", "efConstruction must be at least M and at most 2000.")]
    [InlineData("16", "200", "-1", "efSearch must be between 1 and 2000.")]
    [InlineData("abc", "200", "64", "M must be a whole number.")]
    public void IndexParametersForm_InvalidValue_ShowsFieldMessageAndDoesNotApply(string m, string efc, string efs, string message)
    {
        HnswOptions? applied = null;
        var current = GalleryIndexParameters.Defaults;
        var cut = Render<IndexParametersForm>(p => p.Add(c => c.Current, current).Add(c => c.OnApply, v => applied = v));

        var inputs = cut.FindAll("input");
        inputs[0].Change(m);
        cut.FindAll("input")[1].Change(efc);
        cut.FindAll("input")[2].Change(efs);
        cut.Find("[data-testid=apply-parameters]").Click();

        Assert.Null(applied);
        Assert.Contains(message, cut.Markup, StringComparison.Ordinal);
        Assert.Contains("values in force stay M=16, efConstruction=200, efSearch=64", cut.Markup, StringComparison.Ordinal);
        Assert.Equal(16, current.M);
    }

    [Fact]
    public void IndexParametersForm_ValidValues_Applies()
    {
        HnswOptions? applied = null;
        var cut = Render<IndexParametersForm>(p => p.Add(c => c.Current, GalleryIndexParameters.Defaults).Add(c => c.OnApply, v => applied = v));

        cut.FindAll("input")[0].Change("24");
        cut.Find("[data-testid=apply-parameters]").Click();

        Assert.Equal((24, 200, 64), (applied!.M, applied.EfConstruction, applied.DefaultEfSearch));
    }

    [Fact]
    public void SweepChart_Points_DrawsCurve()
    {
        var cut = Render<SweepChart>(p => p.Add(c => c.Points, [new SweepPoint(10, 0.8, 0.05, 100), new SweepPoint(64, 0.99, 0.2, 400)]).Add(c => c.Highlight, 64));

        Assert.NotNull(cut.Find("[data-testid=sweep-curve]"));
        Assert.Equal(2, cut.FindAll("[data-testid=sweep-point]").Count);
    }

    [Fact]
    public void SweepChart_ZigZagTimings_FrontierOnlyThroughUndominatedPoints_TicksWithValuesAndUnits_LabelsInside()
    {
        // efSearch 10 timed slower than 12: it is drawn faint, and the curve goes 12 → 32 → 256 only
        SweepPoint[] points = [new(10, 0.80, 0.060, 1), new(12, 0.84, 0.050, 1), new(32, 0.95, 0.10, 1), new(256, 1.0, 0.42, 1)];

        var cut = Render<SweepChart>(p => p.Add(c => c.Points, points).Add(c => c.Highlight, 256));

        Assert.Equal(4, cut.FindAll("[data-testid=sweep-point]").Count);
        Assert.Equal(["12", "32", "256"], cut.FindAll("[data-testid=frontier-point]").Select(e => e.GetAttribute("data-ef")));
        var xy = cut.Find("[data-testid=sweep-curve]").GetAttribute("points")!.Split(' ')
            .Select(v => v.Split(',').Select(n => double.Parse(n, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.True(xy.Zip(xy.Skip(1)).All(pair => pair.Second[0] > pair.First[0] && pair.Second[1] < pair.First[1])); // right and up
        var xTicks = cut.FindAll("[data-testid=x-tick]").Select(e => e.TextContent).ToList();
        Assert.Contains("0.0", xTicks);
        Assert.Contains("0.4", xTicks);
        Assert.Contains("1.00", cut.FindAll("[data-testid=y-tick]").Select(e => e.TextContent));
        Assert.Contains("median latency per query (ms)", cut.Markup, StringComparison.Ordinal);
        foreach (var label in cut.FindAll("[data-testid=sweep-label]"))
        {
            var x = double.Parse(label.GetAttribute("x")!, CultureInfo.InvariantCulture);
            var y = double.Parse(label.GetAttribute("y")!, CultureInfo.InvariantCulture);
            Assert.InRange(y, 11, 300); // a label of a point at recall 1 sits under the top edge, not above it
            Assert.True(label.GetAttribute("text-anchor") == "end" ? x <= 520 : x + 12 <= 520, $"label {label.TextContent} at x {x} would be clipped");
        }
    }

    [Fact]
    public void IndexParametersForm_TwoInvalidFields_BothSayWhy()
    {
        HnswOptions? applied = null;
        var cut = Render<IndexParametersForm>(p => p.Add(c => c.Current, GalleryIndexParameters.Defaults).Add(c => c.OnApply, v => applied = v));

        cut.FindAll("input")[0].Change("abc");
        cut.FindAll("input")[1].Change("5000");
        cut.FindAll("input")[2].Change("0");
        cut.Find("[data-testid=apply-parameters]").Click();

        Assert.Null(applied);
        Assert.Contains("M must be a whole number.", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("efConstruction must be at least M and at most 2000.", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("efSearch must be between 1 and 2000.", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("3 fields are invalid (M, efConstruction, efSearch)", cut.Find("[data-testid=parameters-invalid]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallestReaching_Target_PicksSmallestEf()
    {
        SweepPoint[] points = [new(10, 0.8, 0.05, 1), new(32, 0.96, 0.1, 1), new(64, 0.99, 0.2, 1)];

        Assert.Equal(32, EfSearchSweep.SmallestReaching(points, 0.95));
        Assert.Null(EfSearchSweep.SmallestReaching(points, 0.999));
    }

    /// <summary>Registers a live gallery of <paramref name="count"/> random faces ("Person 1"…) for the explorer.</summary>
    private Infrastructure.TempDirectory ExplorerGallery(int count, out float[] probe)
    {
        var data = new Infrastructure.TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lookalike:DataDirectory"] = data.Path,
            ["Lookalike:Faces:ModelDirectory"] = Infrastructure.TestPaths.Models,
        }).Build();
        _ctx.Services.AddLogging();
        _ctx.Services.AddLookalikeGallery(configuration);
        _ctx.Services.AddSingleton<Lookalike.Web.Security.UploadRateLimiter>();
        _ctx.Services.AddScoped<LookalikeSession>();
        var host = _ctx.Services.GetRequiredService<LiveGallery>();
        var random = new Random(7);
        var faces = Enumerable.Range(1, count)
            .Select(i => (new FaceRef(i, i, i, $"Person {i}"), Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()))
            .ToList();
        host.AddFaces(faces);
        probe = faces[count / 2].Item2.Select(v => v + ((float)random.NextDouble() - 0.5f) * 0.2f).ToArray();
        return data;
    }

    private IRenderedComponent<Lookalike.Web.Components.Pages.Explorer.Explorer> RenderExplorerWithProbe(float[] probe)
    {
        _ctx.Services.GetRequiredService<LookalikeSession>().UseProbeForTests(new ProbeFace(0, new FaceBox(0, 0, 10, 10), 0.9f, probe, "data:image/jpeg;base64,AA=="));
        return _ctx.Render<Lookalike.Web.Components.Pages.Explorer.Explorer>();
    }

    [Fact]
    public void Explorer_WithProbe_LegendAndMarkersForPhotoAndEntryPoint()
    {
        using var data = ExplorerGallery(300, out var probe);

        var cut = RenderExplorerWithProbe(probe);

        Assert.Single(cut.FindAll("[data-testid=probe-marker]"));
        Assert.Single(cut.FindAll("[data-testid=entry-marker]"));
        var keys = cut.FindAll("[data-testid=legend-item]").Select(e => e.GetAttribute("data-key")).ToList();
        Assert.Equal(["node", "entry", "probe", "selected"], keys);

        cut.Find("[data-testid=trace-button]").Click();

        keys = cut.FindAll("[data-testid=legend-item]").Select(e => e.GetAttribute("data-key")).ToList();
        Assert.Equal(["node", "entry", "probe", "selected", "hop", "candidate", "visited", "path", "current", "result"], keys);
        Assert.StartsWith("Press Step or Play", cut.Find("[data-testid=trace-narration]").TextContent.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explorer_StepThroughTrace_NarratesEachStepAndEndsOnTheTopK()
    {
        using var data = ExplorerGallery(300, out var probe);
        var cut = RenderExplorerWithProbe(probe);
        cut.Find("[data-testid=trace-button]").Click();
        var total = int.Parse(cut.Find("[data-testid=trace-status]").TextContent.Split('/')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        var narrations = new List<string>();
        for (var i = 0; i < total; i++)
        {
            cut.Find("[data-testid=trace-step]").Click();
            narrations.Add(cut.Find("[data-testid=trace-narration]").TextContent.Trim());
        }

        Assert.Matches(@"^layer \d+: start at the entry point, Person \d+ \(\d+\.\d\d", narrations[0]); // L2 distance; random vectors may lie > 1 apart
        Assert.Contains(narrations, n => n.StartsWith("layer 0: candidate 2 of ", StringComparison.Ordinal));
        Assert.All(narrations.Where(n => n.Contains("hop ", StringComparison.Ordinal)), n => Assert.Matches(@"layer [1-9]\d*: hop \d+ — moved to Person \d+, \d\.\d\d closer", n));
        Assert.StartsWith("done:", narrations[^1], StringComparison.Ordinal);
        Assert.Equal(narrations.Count, narrations.Distinct().Count()); // each step says something new
        Assert.Equal(10, cut.FindAll("[data-testid=result-node]").Count); // k = 10
        Assert.Equal(10, cut.FindAll("[data-testid=result-chip]").Count);
        Assert.Equal(total - 1, cut.FindAll("[data-testid=narration-line]").Count); // the earlier steps stay readable
        Assert.NotEmpty(cut.FindAll("[data-testid=candidate-node]"));
    }

    [Fact]
    public void Explorer_TraceTable_ColumnsAreHopsNodesVisitedDistanceComputations()
    {
        using var data = ExplorerGallery(300, out var probe);
        var cut = RenderExplorerWithProbe(probe);
        cut.Find("[data-testid=trace-button]").Click();

        var headers = cut.FindAll("[data-testid=trace-table] th").Select(h => h.TextContent).ToList();
        Assert.Equal(["layer", "hops", "nodes visited", "distance computations"], headers);
        var rows = cut.FindAll("[data-testid=trace-row]")
            .Select(r => r.QuerySelectorAll("td").Select(c => int.Parse(c.TextContent, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        Assert.Equal(0, rows[^1][0]);
        Assert.All(rows, r => Assert.True(r[2] <= r[3], "a face is visited at most once per distance computation"));
        Assert.All(rows.Where(r => r[0] > 0), r => Assert.True(r[3] > r[1], "an upper-layer hop costs a distance computation per neighbour"));
    }

    [Fact]
    public void Explorer_NodeDetails_NeighboursOncePerFaceWithThumbnailAndDistances()
    {
        using var data = ExplorerGallery(300, out var probe);
        var cut = RenderExplorerWithProbe(probe);
        cut.FindAll("[data-testid=graph-node]")[0].Click();

        var details = cut.Find("[data-testid=node-details]");
        Assert.Matches(@"^0\.\d{3} from your photo$", details.QuerySelector("[data-testid=node-probe-distance]")!.TextContent.Trim());
        var rows = details.QuerySelectorAll("[data-testid=neighbour-row]");
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.Contains($"/api/faces/{row.GetAttribute("data-label")}/thumbnail", row.QuerySelector("img")!.GetAttribute("src"), StringComparison.Ordinal);
            Assert.Matches(@"^Person \d+$", row.QuerySelector(".neighbour-name")!.TextContent);
            Assert.Matches(@"^\d\.\d\d to this face · \d\.\d\d to your photo$", row.QuerySelector(".neighbour-distance")!.TextContent);
        }
        // per layer, each face once
        var layer0 = details.QuerySelectorAll(".neighbours").Last().QuerySelectorAll("[data-testid=neighbour-row]").Select(r => r.GetAttribute("data-label")).ToList();
        Assert.Equal(layer0.Count, layer0.Distinct().Count());
    }

    [Fact]
    public void Explorer_ThumbnailLayer_FaceDrawnAboveItsNodeCircle()
    {
        using var data = new Infrastructure.TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lookalike:DataDirectory"] = data.Path,
            ["Lookalike:Faces:ModelDirectory"] = Infrastructure.TestPaths.Models,
        }).Build();
        _ctx.Services.AddLogging();
        _ctx.Services.AddLookalikeGallery(configuration);
        _ctx.Services.AddSingleton<Lookalike.Web.Security.UploadRateLimiter>();
        _ctx.Services.AddScoped<LookalikeSession>();
        var host = _ctx.Services.GetRequiredService<LiveGallery>();
        var random = new Random(7);
        host.AddFaces(Enumerable.Range(1, 6)
            .Select(i => (new FaceRef(i, i, i, $"Person {i}"), Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()))
            .ToList());

        var cut = _ctx.Render<Lookalike.Web.Components.Pages.Explorer.Explorer>();

        var circles = cut.FindAll("[data-testid=graph-node]");
        Assert.NotEmpty(circles);
        foreach (var circle in circles)
        {
            // SVG paints in document order: the thumbnail must come after (above) its circle, or the circle covers the face
            var next = circle.NextElementSibling;
            Assert.NotNull(next);
            Assert.Equal("image", next!.LocalName, StringComparer.OrdinalIgnoreCase);
            Assert.Contains($"/api/faces/{circle.GetAttribute("data-label")}/thumbnail", next.GetAttribute("href"), StringComparison.Ordinal);
        }
    }
}
