using System.Diagnostics;
using System.Globalization;
using Lookalike.Index;

namespace Lookalike.Bench;

/// <summary>
/// <c>Lookalike.Bench serve DATA_DIR [--k 10] [--M 16] [--efc 200] [--quantization none|int8]</c>: one process that
/// builds once and then answers commands on stdin, so that bench/interleave.py can alternate it with a peer speaking
/// the same protocol (bench/interleave/hnswlib_serve.cpp) per efSearch point — A B A B … — instead of one whole sweep
/// of ours followed by one of theirs. Commands, one per line; each answer is one JSON record on stdout (the
/// ../shared/bench/peers record format):
/// <list type="bullet">
/// <item><c>build T</c>: a new index built with T threads (the one searched afterwards); a "build" record.</item>
/// <item><c>search EF</c>: 200 warm-up queries, then one timed single-thread pass over every query (a clock read
/// around each query, as the peers' runners do); a "single" record with recall@k, QPS, p50/p99 ms.</item>
/// <item><c>reload mapped|memory</c> (after a build with <c>--reload</c>): the saved file loaded again with that
/// placement; answers <c>{"reloaded": …, "load_s": …}</c>.</item>
/// <item><c>quit</c> (or end of input).</item>
/// </list>
/// <c>--reload mapped|memory</c>: after each build the index is saved, the built one dropped and the saved file loaded
/// (<see cref="ExactVectorPlacement"/>; an int8 index's float32 copies mapped from the file or read into memory), and
/// that loaded index is the one searched — what the app serves after a start. The build record then carries the loaded
/// index's <c>params.memory_bytes</c> (resident heap), <c>mapped_bytes</c>, <c>built_memory_bytes</c> (the index as
/// built), <c>build_peak_rss_bytes</c> (VmHWM up to the load) and, every record, <c>rss_bytes</c> / <c>peak_rss_bytes</c>
/// (VmRSS / VmHWM, the peak reset after the load, so it is the serving peak).
/// <c>--index PATH</c>: when PATH exists at start, every <c>build</c> loads it instead of building (checked against
/// the run's dimension, metric, M, efConstruction and quantization; the record carries <c>loaded_from</c> and no build
/// time counts), for before/after checks of a search change on one graph (two builds of this runner on the 1M set);
/// otherwise every <c>build</c> builds and the first one also saves to PATH (with <c>--reload</c>, that file is the one
/// loaded again, and it stays). A bad or mismatched file, or a PATH outside an existing folder, ends the runner with
/// one line on stderr and exit code 2. <c>--exact-file PATH</c> builds an int8
/// index with <see cref="HnswOptions.ExactVectorFile"/> = PATH. The process holds the dataset (base, queries, ground
/// truth) in both cases, as the peer's does.
/// Anything else is answered with <c>{"error": …}</c>.
/// </summary>
internal static class ServeBench
{
    public static int Run(string[] args)
    {
        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        string? dir = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                opts[args[i][2..]] = args[++i];
            }
            else
            {
                dir = args[i];
            }
        }
        if (dir is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        string Get(string key, string fallback) => opts.TryGetValue(key, out var v) ? v : fallback;
        var k = int.Parse(Get("k", "10"), CultureInfo.InvariantCulture);
        var m = int.Parse(Get("M", "16"), CultureInfo.InvariantCulture);
        var efc = int.Parse(Get("efc", "200"), CultureInfo.InvariantCulture);
        var quantization = Enum.Parse<Quantization>(Get("quantization", "none"), ignoreCase: true);
        var ds = Dataset.Load(dir, opts.GetValueOrDefault("dataset"));
        // The loader's file buffers (as large as the base set) are garbage now: collect them, so that the peak RSS of
        // the build is the dataset plus the index, not plus a dead copy of the file.
        GC.Collect();
        var dim = ds.Dimension;
        var labels = Enumerable.Range(0, ds.BaseCount).Select(i => (long)i).ToArray();
        var runner = new BenchRunner(ds, k, m, efc, quantization);
        var reload = opts.GetValueOrDefault("reload");
        ExactVectorPlacement? placement = reload is null ? null : Enum.Parse<ExactVectorPlacement>(reload, ignoreCase: true);
        var exactFile = opts.GetValueOrDefault("exact-file");
        var indexFile = opts.GetValueOrDefault("index") is { } given ? Path.GetFullPath(given) : null;
        // Decided once: a file that exists now is loaded by every "build"; otherwise every "build" builds and the first
        // saves there (so a process asked for "build 2" then "build 1" measures two builds, not a build and a load).
        var loadIndex = indexFile is not null && File.Exists(indexFile);
        if (indexFile is not null && !loadIndex && (Directory.Exists(indexFile) || !Directory.Exists(Path.GetDirectoryName(indexFile))))
        {
            Console.Error.WriteLine($"lookalike serve: --index {indexFile}: not a file path in an existing folder");
            return 2;
        }
        var indexSaved = false;
        var deleteSaved = true;
        HnswIndex? index = null;
        string? savedPath = null;
        var found = new long[ds.QueryCount * k];
        var result = new Neighbor[k];
        var lat = new double[ds.QueryCount];
        Console.Error.WriteLine($"lookalike serve: {ds.Name} {ds.BaseCount}×{dim}, {ds.QueryCount} queries, ready");
        while (Console.In.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }
            if (parts[0] == "quit")
            {
                break;
            }
            if (parts.Length == 2 && parts[0] == "build" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var bt) && bt > 0)
            {
                index = null;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var options = new HnswOptions { Dimension = dim, Metric = ds.Metric, M = m, EfConstruction = efc, InitialCapacity = ds.BaseCount, Quantization = quantization, ExactVectorFile = exactFile };
                if (loadIndex)
                {
                    // A/B of search changes on a large set: both runners load one saved graph instead of building. The
                    // record says so (loaded_from = 1; compare.py leaves such records out of the build rows).
                    var lw = Stopwatch.StartNew();
                    try
                    {
                        index = HnswIndex.Load(indexFile!, dim, placement ?? ExactVectorPlacement.Mapped);
                    }
                    catch (Exception ex) when (ex is IndexFormatException or IOException or UnauthorizedAccessException or ArgumentException)
                    {
                        Console.Error.WriteLine($"lookalike serve: --index {indexFile}: {ex.Message}");
                        return 2;
                    }
                    var o = index.Options;
                    if (o.Metric != ds.Metric || o.M != m || o.EfConstruction != efc || o.Quantization != quantization)
                    {
                        Console.Error.WriteLine($"lookalike serve: --index {indexFile} was built with metric {o.Metric}, M {o.M}, efConstruction {o.EfConstruction}, quantization {o.Quantization}; this run asks for {ds.Metric}, {m}, {efc}, {quantization}");
                        return 2;
                    }
                    savedPath = indexFile; // "reload" reads it again; never deleted
                    deleteSaved = false;
                    runner.Extra["loaded_from"] = 1;
                    runner.Extra["mapped_bytes"] = index.MappedBytes;
                    runner.Build(lw.Elapsed.TotalSeconds, bt, new FileInfo(indexFile!).Length, index.MemoryBytes);
                    continue;
                }
                var saveTo = indexFile is not null && !indexSaved ? indexFile : null;
                if (placement is not { } where)
                {
                    var sw = Stopwatch.StartNew();
                    index = new HnswIndex(options);
                    index.AddRange(labels, ds.Base, bt);
                    var seconds = sw.Elapsed.TotalSeconds;
                    if (saveTo is not null && !TrySave(index, saveTo))
                    {
                        return 2;
                    }
                    indexSaved |= saveTo is not null;
                    runner.Extra["mapped_bytes"] = index.MappedBytes;
                    runner.Build(seconds, bt, runner.SavedBytes(index), index.MemoryBytes);
                    continue;
                }
                var path = saveTo ?? Path.Combine(Path.GetTempPath(), $"lookalike-serve-{Environment.ProcessId}.hnsw");
                double buildS;
                long builtBytes;
                try
                {
                    (buildS, builtBytes) = BuildAndSave(options, labels, ds.Base, bt, path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"lookalike serve: cannot save the index to {path}: {ex.Message}");
                    return 2;
                }
                if (saveTo is not null)
                {
                    indexSaved = true;
                    deleteSaved = false; // the caller's --index file stays
                }
                var fileBytes = new FileInfo(path).Length;
                runner.Extra["built_memory_bytes"] = builtBytes;
                // The built index is unreachable once BuildAndSave returned (its frame is gone): collect it and run the
                // finalizers that free its native segments before the load, so RSS shows the loaded index alone.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                runner.Extra["rss_anon_before_load_bytes"] = BenchRunner.ProcStatusBytes("RssAnon") ?? -1;
                index = HnswIndex.Load(path, null, where);
                savedPath = path; // kept for "reload"; deleted at the end unless it is the --index file
                runner.Extra["mapped_bytes"] = index.MappedBytes;
                runner.Extra["section_bytes"] = index.MappedBytes > 0 ? index.MappedBytes : 0;
                runner.Extra["build_peak_rss_bytes"] = BenchRunner.ProcStatusBytes("VmHWM") ?? -1;
                BenchRunner.ResetPeakRss();
                runner.Build(buildS, bt, fileBytes, index.MemoryBytes);
                continue;
            }
            if (parts.Length == 2 && parts[0] == "reload" && savedPath is not null && Enum.TryParse<ExactVectorPlacement>(parts[1], ignoreCase: true, out var again))
            {
                // The saved file loaded again with another placement (a fresh mapping: no row paged in yet).
                var seconds = Stopwatch.StartNew();
                index = null;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                index = HnswIndex.Load(savedPath, null, again);
                runner.Extra["load_s"] = Math.Round(seconds.Elapsed.TotalSeconds, 3);
                runner.Extra["mapped_bytes"] = index.MappedBytes;
                runner.Extra["placement_mapped"] = again == ExactVectorPlacement.Mapped ? 1 : 0;
                BenchRunner.ResetPeakRss();
                Console.Out.WriteLine($"{{\"reloaded\": \"{again}\", \"load_s\": {runner.Extra["load_s"].ToString(CultureInfo.InvariantCulture)}, \"memory_bytes\": {index.MemoryBytes}, \"mapped_bytes\": {index.MappedBytes}}}");
                Console.Out.Flush();
                continue;
            }
            if (parts.Length == 2 && parts[0] == "search" && index is not null && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var ef) && ef > 0)
            {
                for (var i = 0; i < Math.Min(ds.QueryCount, 200); i++)
                {
                    index.Search(ds.Queries.AsSpan(i * dim, dim), result, ef);
                }
                var t0 = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuSeconds();
                for (var i = 0; i < ds.QueryCount; i++)
                {
                    var a = Stopwatch.GetTimestamp();
                    var n = index.Search(ds.Queries.AsSpan(i * dim, dim), result, ef);
                    lat[i] = Stopwatch.GetElapsedTime(a).TotalMilliseconds;
                    for (var j = 0; j < k; j++)
                    {
                        found[(i * k) + j] = j < n ? result[j].Label : -1;
                    }
                }
                var qps = ds.QueryCount / Stopwatch.GetElapsedTime(t0).TotalSeconds;
                runner.Extra["cpu_qps"] = Math.Round(ds.QueryCount / (ThreadCpuSeconds() - c0), 1);
                runner.Query("single", ef, 1, runner.Recall(found), qps, BenchRunner.Percentile(lat, 50), BenchRunner.Percentile(lat, 99));
                continue;
            }
            Console.Out.WriteLine($"{{\"error\": \"unknown or premature command: {line.Replace("\"", "'", StringComparison.Ordinal)}\"}}");
            Console.Out.Flush();
        }
        if (savedPath is not null && deleteSaved)
        {
            index = null;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.Delete(savedPath);
        }
        return 0;
    }

    private const string Usage = "usage: Lookalike.Bench serve DATA_DIR [--k 10] [--M 16] [--efc 200] [--quantization none|int8] [--reload mapped|memory] [--exact-file PATH] [--index PATH] [--dataset NAME]";

    /// <summary>Saves <paramref name="index"/> to <paramref name="path"/>; false (and one line on stderr) when it cannot.</summary>
    private static bool TrySave(HnswIndex index, string path)
    {
        try
        {
            index.Save(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"lookalike serve: cannot save the index to {path}: {ex.Message}");
            return false;
        }
    }

    /// <summary>Builds an index and saves it to <paramref name="path"/>, in a frame of its own: no stack slot of the
    /// long-running command loop (unoptimised tier-0 code reports its temporaries as live) keeps the built index, so
    /// its memory is freed before the saved file is loaded.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (double Seconds, long MemoryBytes) BuildAndSave(HnswOptions options, long[] labels, float[] vectors, int threads, string path)
    {
        var sw = Stopwatch.StartNew();
        var built = new HnswIndex(options);
        built.AddRange(labels, vectors, threads);
        var seconds = sw.Elapsed.TotalSeconds;
        built.Save(path);
        return (seconds, built.MemoryBytes);
    }

    /// <summary>CPU seconds of the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>): on a shared
    /// machine the time a pass actually ran, so <c>cpu_qps</c> = queries ÷ that is less sensitive to other processes
    /// than the wall-clock QPS (it still sees their cache and memory-bandwidth pressure).</summary>
    private static double ThreadCpuSeconds()
    {
        var ts = new long[2];
        return ClockGetTime(3, ts) == 0 ? ts[0] + (ts[1] * 1e-9) : double.NaN;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, [System.Runtime.InteropServices.Out] long[] timespec);
}
