using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Lookalike.Index;

namespace Lookalike.Bench;

/// <summary>Recall, percentiles and the JSON-lines records of ../shared/bench/peers (README "Record format").</summary>
internal sealed class BenchRunner(Dataset ds, int k, int m, int efc, Quantization quantization = Quantization.None)
{
    private double buildS;
    private int buildThreads;
    private long indexBytes;
    private long memoryBytes;

    /// <summary>Size of the index saved with <see cref="HnswIndex.Save"/> (hnswlib reports its saved-file size too).</summary>
    public long SavedBytes(HnswIndex index)
    {
        var path = Path.Combine(Path.GetTempPath(), $"lookalike-bench-{Environment.ProcessId}.hnsw");
        try
        {
            index.Save(path);
            return new FileInfo(path).Length;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Extra numbers written into every record from now on (e.g. <c>mapped_bytes</c>, <c>section_bytes</c>).</summary>
    public Dictionary<string, double> Extra { get; } = new(StringComparer.Ordinal);

    /// <summary>A field of /proc/self/status in bytes (<c>VmRSS</c>: resident now, <c>VmHWM</c>: peak resident since the
    /// process started or since <see cref="ResetPeakRss"/>); null where there is no /proc.</summary>
    public static long? ProcStatusBytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>Resets the peak-RSS mark (VmHWM) to the current RSS (Linux: "5" into /proc/self/clear_refs), so that a
    /// later <c>VmHWM</c> is the peak of what followed (the search phase), not of the build.</summary>
    public static bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Build(double seconds, int threads, long fileBytes, long memory)
    {
        (buildS, buildThreads, indexBytes, memoryBytes) = (seconds, threads, fileBytes, memory);
        Emit("build", null, threads, null, null, null, null, null);
    }

    public void Query(string mode, int ef, int threads, double recall, double qps, double? p50, double? p99) =>
        Emit(mode, ef, threads, recall, qps, p50, p99, ds.QueryCount);

    /// <summary>Mean over queries of |found top-k ∩ true top-k| / k.</summary>
    public double Recall(long[] found)
    {
        long hits = 0;
        var truth = new HashSet<long>();
        for (var i = 0; i < ds.QueryCount; i++)
        {
            truth.Clear();
            for (var j = 0; j < k; j++)
            {
                truth.Add(ds.GroundTruth[(i * ds.GroundTruthK) + j]);
            }
            for (var j = 0; j < k; j++)
            {
                hits += truth.Contains(found[(i * k) + j]) ? 1 : 0;
            }
        }
        return hits / ((double)ds.QueryCount * k);
    }

    /// <summary>Linear-interpolated percentile, as numpy's default and the native runner's <c>pct</c>.</summary>
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }
        var v = values.Order().ToArray();
        var pos = p / 100 * (v.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = (int)Math.Ceiling(pos);
        return v[lo] + ((v[hi] - v[lo]) * (pos - lo));
    }

    private void Emit(string mode, int? ef, int threads, double? recall, double? qps, double? p50, double? p99, int? nQueries)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("peer", "lookalike");
            w.WriteString("dataset", ds.Name);
            w.WriteString("mode", mode);
            w.WriteStartObject("params");
            w.WriteNumber("M", m);
            w.WriteNumber("efConstruction", efc);
            w.WriteString("metric", ds.Metric.ToString());
            w.WriteString("quantization", quantization.ToString().ToLowerInvariant());
            w.WriteString("simd", System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "avx512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "avx2" : "sse");
            w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
            w.WriteNumber("memory_bytes", memoryBytes);
            if (ef is { } e)
            {
                w.WriteNumber("ef", e);
            }
            w.WriteEndObject();
            w.WriteNumber("build_s", Math.Round(buildS, 4));
            w.WriteNumber("build_threads", buildThreads);
            w.WriteNumber("index_bytes", indexBytes);
            w.WriteNumber("threads", threads);
            WriteNullable(w, "k", ef is null ? null : k);
            WriteNullable(w, "ef", ef);
            WriteNullable(w, "recall_at_k", recall is { } r ? Math.Round(r, 5) : null);
            WriteNullable(w, "qps", qps is { } q ? Math.Round(q, 1) : null);
            WriteNullable(w, "p50_ms", p50 is { } a ? Math.Round(a, 4) : null);
            WriteNullable(w, "p99_ms", p99 is { } b ? Math.Round(b, 4) : null);
            WriteNullable(w, "n_queries", nQueries);
            WriteNullable(w, "load1", Load1());
            WriteNullable(w, "rss_bytes", ProcStatusBytes("VmRSS"));
            WriteNullable(w, "peak_rss_bytes", ProcStatusBytes("VmHWM"));
            // RSS split: anonymous (heap, native segments: what the process owns) and file-backed (mapped file pages,
            // e.g. an int8 index's exact-vector section: clean, the kernel may drop them under memory pressure).
            WriteNullable(w, "rss_anon_bytes", ProcStatusBytes("RssAnon"));
            WriteNullable(w, "rss_file_bytes", ProcStatusBytes("RssFile"));
            foreach (var (key, value) in Extra)
            {
                w.WriteNumber(key, value);
            }
            w.WriteEndObject();
        }
        Console.Out.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
        Console.Out.Flush();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static double? Load1()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
