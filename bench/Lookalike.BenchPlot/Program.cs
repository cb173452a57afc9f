using System.Globalization;
using System.Text.Json;
using ScottPlot;

// Usage: Lookalike.BenchPlot OUT.png TITLE FILE.jsonl[=SUFFIX] [FILE.jsonl[=SUFFIX] ...]
// One curve per (peer, file): single-query records on 1 thread, recall@k on x, QPS on a log y axis.
// A "=SUFFIX" after a file name is appended to its peers' legend names (e.g. "=(this run)").
// Or: Lookalike.BenchPlot --csv OUT.png TITLE FILE.csv XCOLUMN YCOLUMN [YCOLUMN ...]
// One line per y column of a CSV with a header line (e.g. docs/fusion-head-loss.csv: step against the two losses).
if (args.Length >= 6 && args[0] == "--csv")
{
    var rows = File.ReadAllLines(args[3]).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
    var header = rows[0];
    int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new ArgumentException($"{args[3]} has no column '{name}'");
    var xs = rows.Skip(1).Select(r => double.Parse(r[Column(args[4])], CultureInfo.InvariantCulture)).ToArray();
    var csvPlot = new Plot();
    var csvPalette = new ScottPlot.Palettes.Category10();
    foreach (var (name, index) in args.Skip(5).Select((n, i) => (n, i)))
    {
        var line = csvPlot.Add.Scatter(xs, rows.Skip(1).Select(r => double.Parse(r[Column(name)], CultureInfo.InvariantCulture)).ToArray());
        line.LegendText = name;
        line.Color = csvPalette.GetColor(index);
        line.MarkerSize = 0;
        line.LineWidth = 2;
    }
    csvPlot.Title(args[2]);
    csvPlot.XLabel(args[4]);
    csvPlot.ShowLegend(Alignment.UpperRight);
    csvPlot.SavePng(args[1], 1100, 600);
    Console.Error.WriteLine($"wrote {args[1]}");
    return 0;
}
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Lookalike.BenchPlot OUT.png TITLE FILE.jsonl[=SUFFIX] ...");
    return 2;
}

var plot = new Plot();
var palette = new ScottPlot.Palettes.Category20();
var series = 0;
foreach (var spec in args.Skip(2))
{
    var eq = spec.IndexOf('=', StringComparison.Ordinal);
    var path = eq < 0 ? spec : spec[..eq];
    var suffix = eq < 0 ? "" : " " + spec[(eq + 1)..];
    var points = new Dictionary<string, List<(double Recall, double Qps)>>(StringComparer.Ordinal);
    foreach (var line in File.ReadLines(path))
    {
        if (!line.StartsWith('{'))
        {
            continue;
        }
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        if (r.GetProperty("mode").GetString() != "single" || !r.TryGetProperty("threads", out var th) || th.GetInt32() != 1
            || r.GetProperty("recall_at_k").ValueKind != JsonValueKind.Number || r.GetProperty("qps").ValueKind != JsonValueKind.Number)
        {
            continue;
        }
        var peer = r.GetProperty("peer").GetString()!;
        if (!points.TryGetValue(peer, out var list))
        {
            points[peer] = list = [];
        }
        list.Add((r.GetProperty("recall_at_k").GetDouble(), r.GetProperty("qps").GetDouble()));
    }
    foreach (var (peer, list) in points.OrderBy(p => p.Key, StringComparer.Ordinal))
    {
        var sorted = list.OrderBy(p => p.Recall).ToArray();
        var scatter = plot.Add.Scatter(sorted.Select(p => p.Recall).ToArray(), sorted.Select(p => Math.Log10(p.Qps)).ToArray());
        var ours = peer == "lookalike";
        scatter.LegendText = peer + suffix;
        scatter.Color = ours ? Colors.Black : palette.GetColor(series++);
        scatter.LineWidth = ours ? 3 : 1.5f;
        scatter.MarkerSize = ours ? 8 : 5;
        if (suffix.Length > 0 && !ours)
        {
            scatter.LinePattern = LinePattern.Dashed;
        }
    }
}

var ticks = new ScottPlot.TickGenerators.NumericAutomatic
{
    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
    IntegerTicksOnly = true,
    LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
};
plot.Axes.Left.TickGenerator = ticks;
plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.15);
plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
plot.Grid.MinorLineWidth = 1;
plot.Title(args[1]);
plot.XLabel("recall@10");
plot.YLabel("queries per second, one thread (log scale)");
plot.ShowLegend(Alignment.LowerLeft);
plot.SavePng(args[0], 1100, 750);
Console.Error.WriteLine($"wrote {args[0]}");
return 0;
