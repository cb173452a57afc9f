using System.Diagnostics;
using System.Globalization;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Embedding;
using Lookalike.Faces.Landmarks;

namespace Lookalike.Faces.Evaluation;

/// <summary>Timing of one stage: median and 90th percentile in milliseconds, over <paramref name="Samples"/> runs.</summary>
/// <param name="Stage">Stage name, e.g. "detect (S=256)".</param>
/// <param name="MedianMs">Median wall-clock milliseconds per run.</param>
/// <param name="P90Ms">90th percentile in milliseconds.</param>
/// <param name="Samples">Number of timed runs.</param>
public sealed record StageTiming(string Stage, double MedianMs, double P90Ms, int Samples);

/// <summary>Result of <see cref="PipelineBenchmark.Run"/>.</summary>
/// <param name="Stages">Per-stage timings (decode, detect 256 and 128, landmarks when enabled, align, embed batch 1 and per face at batch 16).</param>
/// <param name="EndToEndMedianMs">Median milliseconds per photo of <see cref="FacePipeline.Analyze"/>.</param>
/// <param name="EndToEndP90Ms">90th percentile milliseconds per photo.</param>
/// <param name="FacesPerSecond">Faces analysed per second over the end-to-end pass.</param>
/// <param name="Photos">Photos in the end-to-end pass.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads (0 = ONNX Runtime's default).</param>
public sealed record BenchmarkReport(IReadOnlyList<StageTiming> Stages, double EndToEndMedianMs, double EndToEndP90Ms, double FacesPerSecond, int Photos, int IntraOpThreads)
{
    /// <summary>A Markdown table of the timings.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "| stage | median ms | p90 ms | runs |", "|---|---|---|---|" };
        lines.AddRange(Stages.Select(s => string.Format(inv, "| {0} | {1:0.00} | {2:0.00} | {3} |", s.Stage, s.MedianMs, s.P90Ms, s.Samples)));
        lines.Add(string.Format(inv, "| **end to end, per photo** | **{0:0.00}** | {1:0.00} | {2} |", EndToEndMedianMs, EndToEndP90Ms, Photos));
        lines.Add(string.Format(inv, "\n{0:0.0} faces/s end to end (sequential, intra-op threads {1})", FacesPerSecond, IntraOpThreads == 0 ? "default" : IntraOpThreads.ToString(inv)));
        return string.Join('\n', lines);
    }
}

/// <summary>
/// Times every stage of the pipeline on real photos (a benchmark, not a test): decode, BlazeFace at S = 256 and 128,
/// the 68-point landmarks, alignment, embedding at batch 1 and 16, and <see cref="FacePipeline.Analyze"/> end to end. Sequential, after a warm-up.
/// </summary>
public sealed class PipelineBenchmark
{
    private readonly FaceOptions _options;

    /// <summary>Creates a benchmark that builds its own components from <paramref name="options"/>.</summary>
    /// <param name="options">Pipeline options (model folder, threads, flip averaging, landmarks).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public PipelineBenchmark(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="photos">Paths of photos (e.g. the first 1,000 LFW images in name order); files that are rejected are skipped.</param>
    /// <param name="stageSamples">Photos used for the per-stage timings (the end-to-end pass uses all).</param>
    /// <returns>Medians and 90th percentiles per stage and end to end.</returns>
    /// <exception cref="ArgumentException"><paramref name="photos"/> is empty.</exception>
    public BenchmarkReport Run(IReadOnlyList<string> photos, int stageSamples = 200)
    {
        ArgumentNullException.ThrowIfNull(photos);
        if (photos.Count == 0)
        {
            throw new ArgumentException("At least one photo is needed.", nameof(photos));
        }
        var files = photos.Select(File.ReadAllBytes).ToArray();
        var decoder = new ImageDecoder(_options);
        using var back = new BlazeFaceDetector(_options, backModel: true);
        using var front = new BlazeFaceDetector(_options, backModel: false);
        var aligner = new FaceAligner();
        using var embedder = new FaceEmbedder(_options);
        using var landmarker = new FaceLandmarker(_options);

        var sample = files.Take(Math.Min(stageSamples, files.Length)).ToArray();
        var images = sample.Select(f => decoder.Decode(f)).ToArray();
        var faces = images.Select(i => back.Detect(i)).ToArray();
        var withFace = Enumerable.Range(0, images.Length).Where(i => faces[i].Count > 0).ToArray();
        var chips = withFace.Select(i => aligner.Align(images[i], faces[i][0])).ToArray();

        var stages = new List<StageTiming>
        {
            Time("decode", sample, f => decoder.Decode(f)),
            Time("detect (S=256, back model)", images, i => back.Detect(i)),
            Time("detect (S=128, front model)", images, i => front.Detect(i)),
            Time("landmarks (68 points, 112×112 crop)", withFace, i => landmarker.Detect(images[i], faces[i][0])),
            Time("align (150×150 chip)", withFace, i => aligner.Align(images[i], faces[i][0])),
            Time("embed, batch 1", chips, c => embedder.Embed([c])),
        };
        var batches = chips.Chunk(16).Where(b => b.Length == 16).ToArray();
        var perBatch = Time("embed, batch 16", batches, b => embedder.Embed(b));
        stages.Add(perBatch with { Stage = "embed, batch 16 (per face)", MedianMs = perBatch.MedianMs / 16, P90Ms = perBatch.P90Ms / 16 });
        if (_options.Jitter >= 2)
        {
            // The jittered descriptor, per face as FacePipeline computes it: landmarks (when on), the jittered chips, their mean.
            var samples = ChipJitter.Create(_options.Jitter);
            stages.Add(Time(string.Create(CultureInfo.InvariantCulture, $"{(_options.UseLandmarks ? "landmarks + " : "")}align + embed, jittered ×{_options.Jitter} (per face)"), withFace.Take(50).ToArray(),
                i => embedder.EmbedMean(_options.UseLandmarks
                    ? aligner.AlignDlibJittered(images[i], landmarker.Detect(images[i], faces[i][0]), samples)
                    : aligner.AlignJittered(images[i], faces[i][0], samples), samples.Count)));
        }

        using var pipeline = new FacePipeline(_options);
        foreach (var f in files.Take(5))
        {
            TryAnalyze(pipeline, f);
        }
        var perPhoto = new List<double>(files.Length);
        var totalFaces = 0;
        var total = Stopwatch.StartNew();
        foreach (var f in files)
        {
            var t = Stopwatch.GetTimestamp();
            var n = TryAnalyze(pipeline, f);
            if (n >= 0)
            {
                perPhoto.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                totalFaces += n;
            }
        }
        total.Stop();
        perPhoto.Sort();
        return new BenchmarkReport(stages, Percentile(perPhoto, 0.5), Percentile(perPhoto, 0.9), totalFaces / total.Elapsed.TotalSeconds, perPhoto.Count, _options.IntraOpThreads);
    }

    private static int TryAnalyze(FacePipeline pipeline, byte[] file)
    {
        try
        {
            return pipeline.Analyze(file).Faces.Count;
        }
        catch (ImageRejectedException)
        {
            return -1;
        }
    }

    private static StageTiming Time<T>(string stage, IReadOnlyList<T> inputs, Action<T> action)
    {
        if (inputs.Count == 0)
        {
            return new StageTiming(stage, double.NaN, double.NaN, 0);
        }
        for (var i = 0; i < Math.Min(3, inputs.Count); i++)
        {
            action(inputs[i]);
        }
        var times = new List<double>(inputs.Count);
        foreach (var input in inputs)
        {
            var t = Stopwatch.GetTimestamp();
            action(input);
            times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        times.Sort();
        return new StageTiming(stage, Percentile(times, 0.5), Percentile(times, 0.9), times.Count);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
}
