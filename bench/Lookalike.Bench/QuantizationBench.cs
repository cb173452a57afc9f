using System.Diagnostics;
using System.Globalization;
using Lookalike.Index;

namespace Lookalike.Bench;

/// <summary>
/// Float32 against int8 in one process: both indexes are built once (same options, 2 threads), then for each efSearch
/// the single-query passes alternate A B A B … so that machine load hits both sides alike; prints the median QPS of
/// each, B ÷ A, the spread, recall@k, p50 latency and memory. Usage:
/// <c>Lookalike.Bench quantization DATA_DIR [--ef 10,20,40,80] [--rounds 5] [--k 10] [--M 16] [--efc 200]</c>.
/// </summary>
internal static class QuantizationBench
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
            Console.Error.WriteLine("usage: Lookalike.Bench quantization DATA_DIR [--ef 10,20,40,80] [--rounds 5] [--k 10] [--M 16] [--efc 200]");
            return 2;
        }
        string Get(string key, string fallback) => opts.TryGetValue(key, out var v) ? v : fallback;
        var k = int.Parse(Get("k", "10"), CultureInfo.InvariantCulture);
        var m = int.Parse(Get("M", "16"), CultureInfo.InvariantCulture);
        var efc = int.Parse(Get("efc", "200"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Get("rounds", "5"), CultureInfo.InvariantCulture);
        var efs = Get("ef", "10,20,40,80").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var ds = Dataset.Load(dir, null);
        var dim = ds.Dimension;
        var runner = new BenchRunner(ds, k, m, efc);
        var labels = Enumerable.Range(0, ds.BaseCount).Select(i => (long)i).ToArray();

        var sides = new[] { Quantization.None, Quantization.Int8 }.Select(q =>
        {
            var index = new HnswIndex(new HnswOptions { Dimension = dim, Metric = ds.Metric, M = m, EfConstruction = efc, InitialCapacity = ds.BaseCount, Quantization = q });
            var sw = Stopwatch.StartNew();
            index.AddRange(labels, ds.Base, 2);
            Console.Error.WriteLine($"{q}: build (2 threads) {sw.Elapsed.TotalSeconds:F1} s, memory {index.MemoryBytes:N0} B, file {runner.SavedBytes(index):N0} B");
            return index;
        }).ToArray();

        var found = new long[ds.QueryCount * k];
        var result = new Neighbor[k];
        var lat = new double[ds.QueryCount];
        Console.WriteLine($"{"ef",4} {"recall f32",10} {"recall i8",9} {"QPS f32 (min-max)",24} {"QPS i8 (min-max)",24} {"i8/f32",6} {"p50 f32",8} {"p50 i8",8}");
        foreach (var ef in efs)
        {
            var qps = new List<double>[] { [], [] };
            var p50 = new List<double>[] { [], [] };
            var recall = new double[2];
            for (var s = 0; s < 2; s++)
            {
                for (var i = 0; i < Math.Min(ds.QueryCount, 300); i++)
                {
                    sides[s].Search(ds.Queries.AsSpan(i * dim, dim), result, ef); // warm-up
                }
            }
            for (var r = 0; r < rounds; r++)
            {
                for (var s = 0; s < 2; s++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    for (var i = 0; i < ds.QueryCount; i++)
                    {
                        var a = Stopwatch.GetTimestamp();
                        var n = sides[s].Search(ds.Queries.AsSpan(i * dim, dim), result, ef);
                        lat[i] = Stopwatch.GetElapsedTime(a).TotalMilliseconds;
                        for (var j = 0; j < k; j++)
                        {
                            found[(i * k) + j] = j < n ? result[j].Label : -1;
                        }
                    }
                    qps[s].Add(ds.QueryCount / Stopwatch.GetElapsedTime(t0).TotalSeconds);
                    p50[s].Add(BenchRunner.Percentile(lat, 50));
                    recall[s] = runner.Recall(found);
                }
            }
            double Median(List<double> x) => x.Order().ElementAt(x.Count / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ef,4} {recall[0],10:F4} {recall[1],9:F4} {Median(qps[0]),9:F0} ({qps[0].Min(),6:F0}-{qps[0].Max(),6:F0}) {Median(qps[1]),9:F0} ({qps[1].Min(),6:F0}-{qps[1].Max(),6:F0}) {Median(qps[1]) / Median(qps[0]),6:F3} {Median(p50[0]),8:F4} {Median(p50[1]),8:F4}"));
        }
        return 0;
    }
}
