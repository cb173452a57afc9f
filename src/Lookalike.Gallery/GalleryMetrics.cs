using System.Diagnostics.Metrics;
using Lookalike.Faces;
using Lookalike.Gallery.Index;
using Lookalike.Index;

namespace Lookalike.Gallery;

/// <summary>
/// The product's own metrics on the <see cref="MeterName"/> meter (System.Diagnostics.Metrics; the web app exports them
/// with OpenTelemetry at <c>/metrics</c>, Prometheus text format). Names and units follow the OpenTelemetry conventions:
/// <list type="bullet">
/// <item><c>lookalike.pipeline.stage.duration</c> (histogram, ms, tag <c>stage</c> = decode | detect | align | embed | search): one value per photo and stage; search once per query.</item>
/// <item><c>lookalike.searches</c> (counter, <c>{search}</c>): HNSW queries served.</item>
/// <item><c>lookalike.search.distance_computations</c> (counter, <c>{computation}</c>): distances the index computed for them.</item>
/// <item><c>lookalike.index.faces</c> (gauge, <c>{face}</c>) and <c>lookalike.index.memory</c> (gauge, By): the live index.</item>
/// <item><c>lookalike.circuits.active</c> (up-down counter, <c>{circuit}</c>): open Blazor circuits (visitors on a page).</item>
/// </list>
/// A singleton. The meter comes from the container's <see cref="IMeterFactory"/>, so two hosts in one process (the
/// tests) have two meters of the same name that an exporter can tell apart (<see cref="Meter.Scope"/> is the factory);
/// the factory disposes it with the container.
/// </summary>
public sealed class GalleryMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Lookalike";

    private readonly Meter _meter;
    private readonly Histogram<double> _stage;
    private readonly Counter<long> _searches;
    private readonly Counter<long> _distances;
    private readonly UpDownCounter<long> _circuits;

    /// <summary>Creates the instruments; the gauges read <paramref name="gallery"/>'s current snapshot when collected.</summary>
    public GalleryMetrics(IMeterFactory meters, LiveGallery gallery)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(gallery);
        _meter = meters.Create(MeterName, "1.0");
        _stage = _meter.CreateHistogram<double>("lookalike.pipeline.stage.duration", "ms", "Time of one face-pipeline stage for one photo, or of one index search.");
        _searches = _meter.CreateCounter<long>("lookalike.searches", "{search}", "HNSW queries served.");
        _distances = _meter.CreateCounter<long>("lookalike.search.distance_computations", "{computation}", "Distance computations made by those queries.");
        _circuits = _meter.CreateUpDownCounter<long>("lookalike.circuits.active", "{circuit}", "Open Blazor Server circuits.");
        _meter.CreateObservableGauge("lookalike.index.faces", () => (long)gallery.Current.Count, "{face}", "Faces in the live index.");
        _meter.CreateObservableGauge("lookalike.index.memory", () => gallery.Current.MemoryBytes, "By", "Estimated memory of the live index.");
    }

    /// <summary>Records the four pipeline stages of one analysed photo (ms).</summary>
    public void RecordPipeline(StageTimings timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        _stage.Record(timings.DecodeMs, new KeyValuePair<string, object?>("stage", "decode"));
        _stage.Record(timings.DetectMs, new KeyValuePair<string, object?>("stage", "detect"));
        _stage.Record(timings.AlignMs, new KeyValuePair<string, object?>("stage", "align"));
        _stage.Record(timings.EmbedMs, new KeyValuePair<string, object?>("stage", "embed"));
    }

    /// <summary>Records one index search: its time (ms) and distance computations.</summary>
    public void RecordSearch(double milliseconds, SearchStats stats)
    {
        _stage.Record(milliseconds, new KeyValuePair<string, object?>("stage", "search"));
        _searches.Add(1);
        _distances.Add(stats.DistanceComputations);
    }

    /// <summary>A circuit opened (+1) or closed (−1).</summary>
    public void CircuitChanged(int delta) => _circuits.Add(delta);
}
