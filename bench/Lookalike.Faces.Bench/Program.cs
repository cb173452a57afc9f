using Lookalike.Faces;

// Usage: dotnet run -c Release --project bench/Lookalike.Faces.Bench -- <verb> [args]
//   chips <image> <outdir>   writes the aligned chips of every face as JPEG (visual check)
var verb = args.Length > 0 ? args[0] : "help";
var options = new FaceOptions();
for (var i = 1; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--min-face": options.MinFaceSide = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--min-score": options.MinDetectionScore = float.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--front": options.UseBackModel = !bool.Parse(args[i + 1]); break;
        case "--flip": options.FlipAverage = bool.Parse(args[i + 1]); break;
        case "--landmarks": options.UseLandmarks = bool.Parse(args[i + 1]); break;
        case "--landmark-flip": options.LandmarkFlipAverage = bool.Parse(args[i + 1]); break;
        case "--jitter": options.Jitter = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--threads": options.IntraOpThreads = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
    }
}
switch (verb)
{
    case "chips":
    {
        using var pipeline = new FacePipeline(options);
        var analysis = pipeline.Analyze(File.ReadAllBytes(args[1]));
        Directory.CreateDirectory(args[2]);
        for (var i = 0; i < analysis.Faces.Count; i++)
        {
            var f = analysis.Faces[i];
            Console.WriteLine($"face {i}: box {f.Detection.Box} score {f.Detection.Score:0.000} kp {string.Join(" ", f.Detection.Keypoints.Select(p => $"({p.X:0},{p.Y:0})"))}");
            using var bmp = SkiaSharp.SKBitmap.Decode(f.ThumbnailJpeg);
            using var png = bmp.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(args[2], $"face{i}.png"), png.ToArray());
        }
        Console.WriteLine($"timings {analysis.Timings}");
        return 0;
    }
    case "eval-lfw":
    {
        using var pipeline = new FacePipeline(options);
        var lfw = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : "../shared/data/lfw";
        var report = new Lookalike.Faces.Evaluation.LfwVerification(pipeline) { CompareAlignments = args.Contains("--compare") }.Run(lfw,
            progress: new Progress<(int Done, int Total)>(p => { if (p.Done % 1000 == 0 || p.Done == p.Total) { Console.Error.WriteLine($"{p.Done}/{p.Total}"); } }));
        Console.WriteLine(report.ToMarkdown());
        foreach (var v in report.Variants)
        {
            Console.WriteLine($"{v.Alignment} {v.Variant}: folds {string.Join(" ", v.FoldAccuracies.Select(a => (a * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}");
        }
        return 0;
    }
    case "bench-pipeline":
    {
        var lfw = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : "../shared/data/lfw";
        var photos = Directory.GetFiles(lfw, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(args.Contains("--quick") ? 300 : 1000).ToArray();
        var report = new Lookalike.Faces.Evaluation.PipelineBenchmark(options).Run(photos);
        Console.WriteLine(report.ToMarkdown());
        return 0;
    }
    default:
        Console.WriteLine("verbs: chips <image> <outdir> | eval-lfw [lfw dir] | bench-pipeline [lfw dir]; options --compare (all alignments), --front, --flip, --landmarks, --jitter N, --threads, --min-face, --min-score");
        return 2;
}
