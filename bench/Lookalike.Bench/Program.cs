using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lookalike.Bench;
using Lookalike.Index;

// "Lookalike.Bench serve DATA_DIR …": build once, then answer build/search commands on stdin (ServeBench; bench/interleave.py).
if (args.Length > 0 && args[0] == "serve")
{
    return ServeBench.Run(args[1..]);
}
// Usage: Lookalike.Bench DATA_DIR [--k 10] [--ef 10,20,...] [--M 16] [--efc 200] [--build-threads 1,2]
//                               [--batch-threads 2] [--runs 2] [--dataset NAME] [--quantization none|int8]
// Prints one JSON line per record (same fields as ../shared/bench/peers), "peer": "lookalike".
// "Lookalike.Bench duplicates DATA_DIR [--copies 400] …": recall with and without identical copies (DuplicateBench).
if (args.Length > 0 && args[0] == "duplicates")
{
    return DuplicateBench.Run(args[1..]);
}
// "Lookalike.Bench quantization DATA_DIR …": float32 against int8 in one process, passes interleaved (QuantizationBench).
if (args.Length > 0 && args[0] == "quantization")
{
    return QuantizationBench.Run(args[1..]);
}
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
    Console.Error.WriteLine("usage: Lookalike.Bench DATA_DIR [--k 10] [--ef 10,20,40,80,160,320] [--M 16] [--efc 200] [--build-threads 1,2] [--batch-threads 2] [--runs 2] [--dataset NAME] [--quantization none|int8]");
    return 2;
}
string Get(string key, string fallback) => opts.TryGetValue(key, out var v) ? v : fallback;
static int[] IntList(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

var k = int.Parse(Get("k", "10"), CultureInfo.InvariantCulture);
var efs = IntList(Get("ef", "10,20,40,80,160,320"));
var m = int.Parse(Get("M", "16"), CultureInfo.InvariantCulture);
var efc = int.Parse(Get("efc", "200"), CultureInfo.InvariantCulture);
var buildThreads = IntList(Get("build-threads", "1,2")).OrderDescending().ToArray();
var batchThreads = int.Parse(Get("batch-threads", "2"), CultureInfo.InvariantCulture);
var runs = Math.Max(1, int.Parse(Get("runs", Environment.GetEnvironmentVariable("BENCH_RUNS") ?? "2"), CultureInfo.InvariantCulture));
var quantization = Enum.Parse<Quantization>(Get("quantization", "none"), ignoreCase: true);
var ds = Dataset.Load(dir, opts.GetValueOrDefault("dataset"));
var dim = ds.Dimension;
var labels = Enumerable.Range(0, ds.BaseCount).Select(i => (long)i).ToArray();
var runner = new BenchRunner(ds, k, m, efc, quantization);

HnswIndex? index = null;
foreach (var bt in buildThreads)
{
    index = null;
    GC.Collect();
    index = new HnswIndex(new HnswOptions { Dimension = dim, Metric = ds.Metric, M = m, EfConstruction = efc, InitialCapacity = ds.BaseCount, Quantization = quantization });
    var sw = Stopwatch.StartNew();
    index.AddRange(labels, ds.Base, bt);
    var buildS = sw.Elapsed.TotalSeconds;
    var fileBytes = runner.SavedBytes(index);
    runner.Build(buildS, bt, fileBytes, index.MemoryBytes);
    Console.Error.WriteLine($"lookalike build threads={bt} quantization={quantization}: {buildS:F2}s, index file {fileBytes} B, memory {index.MemoryBytes} B ({index.MemoryBytes / (double)ds.BaseCount:F0} B per vector)");
}
if (index is null)
{
    return 0;
}

var found = new long[ds.QueryCount * k];
var result = new Neighbor[k];
foreach (var ef in efs)
{
    // Warm-up (JIT tiering, caches), then timed single-query passes on this thread; fastest pass kept.
    for (var w = 0; w < 3; w++)
    {
        for (var i = 0; i < Math.Min(ds.QueryCount, 200); i++)
        {
            index.Search(ds.Queries.AsSpan(i * dim, dim), result, ef);
        }
    }
    var bestQps = 0.0;
    var bestLat = Array.Empty<double>();
    var lat = new double[ds.QueryCount];
    for (var r = 0; r < runs; r++)
    {
        var t0 = Stopwatch.GetTimestamp();
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
        if (qps > bestQps)
        {
            bestQps = qps;
            bestLat = (double[])lat.Clone();
        }
    }
    runner.Query("single", ef, 1, runner.Recall(found), bestQps, BenchRunner.Percentile(bestLat, 50), BenchRunner.Percentile(bestLat, 99));

    // Batch: batchThreads threads pulling queries one by one (as the USearch and native runners do).
    var bestS = double.MaxValue;
    for (var r = 0; r < runs; r++)
    {
        Array.Fill(found, -1);
        var next = -1;
        var t0 = Stopwatch.GetTimestamp();
        var threads = Enumerable.Range(0, batchThreads).Select(_ => new Thread(() =>
        {
            var local = new Neighbor[k];
            int i;
            while ((i = Interlocked.Increment(ref next)) < ds.QueryCount)
            {
                var n = index.Search(ds.Queries.AsSpan(i * dim, dim), local, ef);
                for (var j = 0; j < n; j++)
                {
                    found[(i * k) + j] = local[j].Label;
                }
            }
        })).ToArray();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        bestS = Math.Min(bestS, Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }
    runner.Query("batch", ef, batchThreads, runner.Recall(found), ds.QueryCount / bestS, null, null);
}
return 0;
