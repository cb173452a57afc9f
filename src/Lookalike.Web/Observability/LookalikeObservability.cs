using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace Lookalike.Web.Observability;

/// <summary>
/// Metrics and health for operators: OpenTelemetry metrics (ASP.NET Core request duration and the
/// <see cref="GalleryMetrics"/> meter) exported at <c>/metrics</c> in Prometheus text format; <c>/healthz/live</c>
/// (the process answers) and <c>/healthz/ready</c> (the index serves searches: 200, else 503). None of them needs
/// sign-in or is rate limited: they are for a Prometheus or a load balancer on the host, and the nginx site in
/// <c>deploy/</c> does not pass <c>/metrics</c> through.
/// </summary>
public static class LookalikeObservability
{
    /// <summary>The scrape endpoint's path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Registers the OpenTelemetry meter provider, the circuit counter and the readiness check.</summary>
    public static IServiceCollection AddLookalikeObservability(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(GalleryMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        // Meters are found by name in the whole process; keep this host's own (its IMeterFactory's), so that with two
        // hosts in one process (the tests) each one's gauges report its own gallery.
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var own = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope is System.Diagnostics.Metrics.IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null);
        });
        services.AddScoped<CircuitHandler, CircuitCounter>();
        services.AddHealthChecks().AddCheck<IndexReadyCheck>("index", tags: ["ready"]);
        return services;
    }

    /// <summary>Maps <c>/metrics</c>, <c>/healthz/live</c> and <c>/healthz/ready</c>.</summary>
    public static IEndpointRouteBuilder MapLookalikeObservability(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.ServiceProvider.GetRequiredService<GalleryMetrics>(); // its gauges exist from the first scrape, before any search
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") });
        return app;
    }
}

/// <summary>Counts open circuits into <c>lookalike.circuits.active</c>.</summary>
public sealed class CircuitCounter(GalleryMetrics metrics) : CircuitHandler
{
    /// <inheritdoc/>
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitChanged(+1);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitChanged(-1);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Ready when the live index serves searches: loaded (<see cref="IndexState.Ready"/>), or rebuilding while an earlier
/// index with faces keeps serving. Not ready while the first load or build runs, or after it failed. A store written
/// by another model (the index serves nothing until re-import) reports Degraded.
/// </summary>
public sealed class IndexReadyCheck(LiveGallery gallery) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = gallery.Status;
        var serving = status.State == IndexState.Ready || (status.State == IndexState.Rebuilding && gallery.Current.Count > 0);
        var result = !serving ? HealthCheckResult.Unhealthy($"index {status.State}: {status.Message}")
            : status.StaleModelMessage is { } stale ? HealthCheckResult.Degraded(stale)
            : HealthCheckResult.Healthy($"{gallery.Current.Count} faces");
        return Task.FromResult(result);
    }
}
