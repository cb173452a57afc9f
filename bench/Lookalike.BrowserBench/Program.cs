// Browser benchmark of the home page (issue: results in ≤ 150 ms p50 for small photos, ≤ 600 ms for a phone photo,
// ≥ 8 frames/s live). Against a running app with a gallery:
//
//   dotnet run -c Release --project bench/Lookalike.BrowserBench -- http://127.0.0.1:5183 ../shared/data/lfw [photos=40] [liveSeconds=15]
//
// Times are from choosing the file (Playwright SetInputFiles) to the page showing the new result (its analysed-photos
// counter moves and a card is shown), so they include the browser, SignalR, the pipeline and the render. The phone
// photo is a 3000 × 3516 PNG made from the first LFW photo (downscaled by the page before upload). Live mode uses
// Chromium's fake camera fed with an LFW face (ffmpeg makes the .y4m) and counts analysed frames over liveSeconds.
using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using SkiaSharp;

var url = args.Length > 0 ? args[0].TrimEnd('/') : "http://127.0.0.1:5183";
var lfw = args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "lfw");
var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40;
var liveSeconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 15;
var photos = Directory.GetDirectories(lfw).Order(StringComparer.Ordinal).SelectMany(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).Take(1)).Where((_, i) => i % 7 == 0).Take(count).ToList();
var temp = Directory.CreateTempSubdirectory("lookalike-browserbench-").FullName;
try
{
    var phone = Path.Combine(temp, "phone.png");
    using (var source = SKBitmap.Decode(photos[0]))
    using (var big = source.Resize(new SKImageInfo(3000, 3516), new SKSamplingOptions(SKCubicResampler.Mitchell)))
    using (var png = big.Encode(SKEncodedImageFormat.Png, 100))
    {
        await File.WriteAllBytesAsync(phone, png.ToArray());
    }
    var video = Path.Combine(temp, "face.y4m");
    using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-y", "-loglevel", "error", "-loop", "1", "-i", photos[0], "-vf", "scale=480:480,pad=640:480:80:0,format=yuv420p", "-frames:v", "30", "-r", "15", video]))!)
    {
        await ffmpeg.WaitForExitAsync();
    }

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--use-file-for-fake-video-capture=" + video],
    });
    var page = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } })).NewPageAsync();
    page.SetDefaultTimeout(60_000);
    await page.GotoAsync("/");
    await page.Locator("[data-interactive=true]").WaitForAsync();

    async Task<double> UploadAsync(string path)
    {
        var before = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
        var watch = Stopwatch.StartNew();
        await page.Locator("input[data-testid=upload]").SetInputFilesAsync(path);
        await page.WaitForFunctionAsync("n => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0) > n && (document.querySelector('[data-testid=match-card]') || document.querySelector('[data-testid=result-message]'))", before,
            new PageWaitForFunctionOptions { PollingInterval = 5 });
        return watch.Elapsed.TotalMilliseconds;
    }

    await UploadAsync(photos[^1]); // warm-up
    var small = new List<double>();
    foreach (var photo in photos)
    {
        small.Add(await UploadAsync(photo));
    }
    var large = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        large.Add(await UploadAsync(phone));
    }
    Console.WriteLine($"# {url} · load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} · {Environment.ProcessorCount} cores");
    Console.WriteLine($"upload → result, 250×250 LFW photos (n={small.Count}): p50 {Pct(small, 0.5):0} ms, p90 {Pct(small, 0.9):0} ms");
    Console.WriteLine($"upload → result, 3000×3516 PNG phone photo ({new FileInfo(phone).Length / 1024 / 1024} MB, n={large.Count}): p50 {Pct(large, 0.5):0} ms, p90 {Pct(large, 0.9):0} ms");

    await page.Locator("[data-testid=camera-start]").ClickAsync();
    await page.Locator("input[data-testid=camera-live], [data-testid=camera-live] input").First.CheckAsync();
    await page.WaitForTimeoutAsync(3000); // camera and first frames
    var start = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
    await page.WaitForTimeoutAsync(liveSeconds * 1000);
    var end = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
    Console.WriteLine($"live mode: {end - start} frames analysed in {liveSeconds} s = {(end - start) / (double)liveSeconds:0.0} frames/s");
}
finally
{
    Directory.Delete(temp, recursive: true);
}

static double Pct(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    var k = (sorted.Count - 1) * p;
    var lo = (int)k;
    var hi = Math.Min(lo + 1, sorted.Count - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
}
