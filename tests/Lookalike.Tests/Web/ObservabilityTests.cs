using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lookalike.Tests.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Web.Observability;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Web;

/// <summary><c>/metrics</c> (Prometheus text from OpenTelemetry) and the health endpoints.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed partial class ObservabilityTests(LfwGalleryFixture gallery)
{
    [Fact]
    public async Task Metrics_AfterOneMatch_StageHistogramsSearchCountersAndIndexSize()
    {
        using var data = gallery.CopyDataDirectory();
        await using var factory = new LookalikeAppFactory(data.Path);
        var client = factory.CreateClient();
        var live = factory.Services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();

        var match = await client.PostAsync("/api/match", ApiTests.Photo(await File.ReadAllBytesAsync(gallery.HeldBack[0].Path)));
        Assert.Equal(HttpStatusCode.OK, match.StatusCode);
        var metrics = await client.GetAsync("/metrics"); // anonymous: meant for a Prometheus on the host
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync();

        foreach (var stage in new[] { "decode", "detect", "align", "embed", "search" })
        {
            Assert.True(Value(text, "lookalike_pipeline_stage_duration_milliseconds_count", $"stage=\"{stage}\"") >= 1, stage + " not recorded:\n" + text);
        }
        Assert.True(Value(text, "lookalike_searches_total") >= 1);
        Assert.True(Value(text, "lookalike_search_distance_computations_total") > 0);
        Assert.Equal(live.Current.Count, Value(text, "lookalike_index_faces"));
        Assert.True(Value(text, "lookalike_index_memory_bytes") > 0);
        Assert.Contains("http_server_request_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/api/match\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_TwoHostsInOneProcess_EachReportsItsOwnGallery()
    {
        using var data = gallery.CopyDataDirectory();
        using var empty = new Infrastructure.TempDirectory();
        await using var full = new LookalikeAppFactory(data.Path);
        await using var bare = new LookalikeAppFactory(empty.Path);
        var fullClient = full.CreateClient();
        var bareClient = bare.CreateClient();
        await full.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        await bare.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();

        var fullText = await fullClient.GetStringAsync("/metrics");
        var bareText = await bareClient.GetStringAsync("/metrics");

        Assert.Equal(full.Services.GetRequiredService<LiveGallery>().Current.Count, Value(fullText, "lookalike_index_faces"));
        Assert.Equal(0, Value(bareText, "lookalike_index_faces"));
        Assert.Single(Sample().Matches(fullText), m => m.Groups["name"].Value == "lookalike_index_faces");
    }

    [Fact]
    public async Task Health_LiveAlways_ReadyOnceTheIndexServes()
    {
        using var data = gallery.CopyDataDirectory();
        await using var factory = new LookalikeAppFactory(data.Path);
        var client = factory.CreateClient();
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/live")).StatusCode);
        var ready = await client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadyCheck_BeforeTheFirstLoad_Unhealthy_ThenHealthy()
    {
        using var data = gallery.CopyDataDirectory();
        using var services = GalleryServices.Create(data.Path);
        var live = services.GetRequiredService<LiveGallery>();
        var check = new IndexReadyCheck(live);

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, before.Status); // not loaded yet: a load balancer sends nobody here

        await live.EnsureReadyAsync();
        var after = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, after.Status);
        Assert.Contains(live.Current.Count.ToString(CultureInfo.InvariantCulture), after.Description, StringComparison.Ordinal);
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Value(string text, string name, string label = "")
    {
        foreach (Match m in Sample().Matches(text))
        {
            if (m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            {
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        Assert.Fail($"no sample {name}{{…{label}…}} in:\n{text}");
        return 0;
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
