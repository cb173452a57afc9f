using System.Globalization;
using Lookalike.Index;

namespace Lookalike.Bench;

/// <summary>
/// The duplicate-trap check of issue 15: recall@k of the dataset's queries on the base alone and on the base with
/// <c>copies</c> identical copies of one base vector spread through the insertion order (the same photo imported again
/// and again). A result counts as correct when its distance is within the exact k-th distance (+1e-6), because
/// copies tie and labels alone cannot be compared. Exact truth comes from <see cref="FlatIndex"/> over the same vectors.
/// </summary>
/// <remarks>Usage: <c>bench/run.sh duplicates DATA_DIR [--copies 400] [--ef 16,32,64,128] [--k 10] [--M 16] [--efc 200]</c>.
/// Prints one line per (copies, ef): recall with and without the copies.</remarks>
internal static class DuplicateBench
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
            Console.Error.WriteLine("usage: Lookalike.Bench duplicates DATA_DIR [--copies 400] [--ef 16,32,64,128] [--k 10] [--M 16] [--efc 200]");
            return 2;
        }
        int Get(string key, int fallback) => opts.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var copies = Get("copies", 400);
        var k = Get("k", 10);
        var m = Get("M", 16);
        var efc = Get("efc", 200);
        var efs = (opts.GetValueOrDefault("ef") ?? "16,32,64,128").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var ds = Dataset.Load(dir, null);

        Console.WriteLine($"dataset {ds.Name}: {ds.BaseCount} × {ds.Dimension}, {ds.Metric}, {ds.QueryCount} queries, M {m}, efConstruction {efc}, k {k}");
        Console.WriteLine($"{"copies",7} {"ef",5} {"recall",8}");
        foreach (var c in new[] { 0, copies })
        {
            var (index, flat) = Build(ds, c, m, efc);
            foreach (var ef in efs)
            {
                Console.WriteLine($"{c,7} {ef,5} {Recall(ds, index, flat, k, ef),8:F4}");
            }
        }
        return 0;
    }

    private static (HnswIndex Index, FlatIndex Flat) Build(Dataset ds, int copies, int m, int efc)
    {
        var dim = ds.Dimension;
        var n = ds.BaseCount + copies;
        var rows = new float[n * dim];
        var labels = new long[n];
        var every = copies == 0 ? int.MaxValue : Math.Max(1, ds.BaseCount / copies);
        int row = 0, b = 0, c = 0;
        while (row < n)
        {
            // After every `every` base vectors, one copy of base vector 0 (label = BaseCount + copy number).
            if (c < copies && (b >= ds.BaseCount || (b > 0 && b % every == 0 && c < b / every)))
            {
                ds.Base.AsSpan(0, dim).CopyTo(rows.AsSpan(row * dim, dim));
                labels[row++] = ds.BaseCount + c++;
                continue;
            }
            ds.Base.AsSpan(b * dim, dim).CopyTo(rows.AsSpan(row * dim, dim));
            labels[row++] = b++;
        }
        var index = new HnswIndex(new HnswOptions { Dimension = dim, Metric = ds.Metric, M = m, EfConstruction = efc, InitialCapacity = n });
        index.AddRange(labels, rows, maxDegreeOfParallelism: 1);
        var flat = new FlatIndex(dim, ds.Metric);
        for (var i = 0; i < n; i++)
        {
            flat.Add(labels[i], rows.AsSpan(i * dim, dim));
        }
        return (index, flat);
    }

    private static double Recall(Dataset ds, HnswIndex index, FlatIndex flat, int k, int ef)
    {
        var dim = ds.Dimension;
        long hits = 0;
        for (var q = 0; q < ds.QueryCount; q++)
        {
            var query = ds.Queries.AsSpan(q * dim, dim);
            var truth = flat.Search(query, k);
            var limit = truth[^1].Distance + 1e-6f;
            hits += index.Search(query, k, ef).Count(r => r.Distance <= limit);
        }
        return hits / (double)(ds.QueryCount * k);
    }
}
