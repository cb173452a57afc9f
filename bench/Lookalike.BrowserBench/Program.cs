// Browser benchmark of the home page (issue: results in ≤ 150 ms p50 for small photos, ≤ 600 ms for a phone photo,
// ≥ 8 frames/s live). Against a running app with a gallery:
//
//   dotnet run -c Release --project bench/Lookalike.BrowserBench -- http://127.0.0.1:5183 ../shared/data/lfw [photos=40] [liveSeconds=15]
//
// Several apps, comma-separated (e.g. main's build and a branch's, each on its own port and copy of the gallery), are
// measured interleaved: every photo goes to each app in turn, and the p50 ratio of the second to the first is printed.
// liveSeconds = 0 skips live mode.
//
// Two times per photo. In page: from the file input's change event to the first animation frame after the new result
// is in the page (its analysed-photos counter moves; a card or a message is shown), measured with the page's own clock:
// what a person waits (browser, SignalR, the pipeline, the render). Round trip: from Playwright's SetInputFiles to
// Playwright seeing that result, which adds Playwright's messages to and from the browser (tens of ms here). The phone
// photo is a 3000 × 3516 PNG made from the first LFW photo (downscaled by the page before upload). Live mode uses
// Chromium's fake camera fed with an LFW face (ffmpeg makes the .y4m) and counts analysed frames over liveSeconds.
using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using SkiaSharp;

var urls = (args.Length > 0 ? args[0] : "http://127.0.0.1:5183").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => u.TrimEnd('/')).ToArray();
var lfw = args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "lfw");
var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40;
var liveSeconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 15;
// In the page: when the file input's change event fires (the user's choice reaches the page; a capture listener on the
// document runs before the page's own), and the first animation frame after the analysed-photos counter changes (the
// frame that paints the new result). "In page" is the second minus the first: what a person waits, without
// Playwright's own messages to and from the browser, which the round trip includes.
const string InPageClock = """
    window.__bench = { changed: 0, painted: 0, count: -1 };
    document.addEventListener('change', () => { window.__bench.changed = performance.now(); }, true);
    new MutationObserver(() => {
        const e = document.querySelector('[data-testid=frames-analysed]');
        const n = e ? +e.dataset.count : 0;
        if (n !== window.__bench.count) {
            window.__bench.count = n;
            requestAnimationFrame(() => { window.__bench.painted = performance.now(); });
        }
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-count'] });
    """;

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
    var pages = new List<IPage>();
    foreach (var url in urls)
    {
        var page = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } })).NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.AddInitScriptAsync(InPageClock);
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        pages.Add(page);
    }

    static async Task<(double RoundTrip, double InPage)> UploadAsync(IPage page, string path)
    {
        var before = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
        var watch = Stopwatch.StartNew();
        await page.Locator("input[data-testid=upload]").SetInputFilesAsync(path);
        await page.WaitForFunctionAsync("n => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0) > n && (document.querySelector('[data-testid=match-card]') || document.querySelector('[data-testid=result-message]')) && window.__bench.painted > window.__bench.changed", before,
            new PageWaitForFunctionOptions { PollingInterval = 5 });
        var roundTrip = watch.Elapsed.TotalMilliseconds;
        var inPage = await page.EvaluateAsync<double>("() => window.__bench.painted - window.__bench.changed");
        return (roundTrip, inPage);
    }

    // With several apps, each photo goes to every app in turn (the first app alternates), so that load on this shared
    // machine falls on all of them alike.
    async Task<List<(double RoundTrip, double InPage)>[]> RoundsAsync(IReadOnlyList<string> files)
    {
        var times = pages.Select(_ => new List<(double, double)>()).ToArray();
        for (var i = 0; i < files.Count; i++)
        {
            for (var j = 0; j < pages.Count; j++)
            {
                var p = (i + j) % pages.Count;
                times[p].Add(await UploadAsync(pages[p], files[i]));
            }
        }
        return times;
    }

    foreach (var page in pages)
    {
        await UploadAsync(page, photos[^1]); // warm-up
    }
    var small = await RoundsAsync(photos);
    var large = await RoundsAsync(Enumerable.Repeat(phone, 5).ToList());
    Console.WriteLine($"# load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} · {Environment.ProcessorCount} cores");
    static string Line(List<(double RoundTrip, double InPage)> t) =>
        $"in page p50 {Pct(t.Select(x => x.InPage).ToList(), 0.5):0} ms, p90 {Pct(t.Select(x => x.InPage).ToList(), 0.9):0} ms · Playwright round trip p50 {Pct(t.Select(x => x.RoundTrip).ToList(), 0.5):0} ms, p90 {Pct(t.Select(x => x.RoundTrip).ToList(), 0.9):0} ms";
    for (var p = 0; p < pages.Count; p++)
    {
        Console.WriteLine($"## {urls[p]}");
        Console.WriteLine($"upload → result, 250×250 LFW photos (n={small[p].Count}): {Line(small[p])}");
        Console.WriteLine($"upload → result, 3000×3516 PNG phone photo ({new FileInfo(phone).Length / 1024 / 1024} MB, n={large[p].Count}): {Line(large[p])}");
    }
    if (pages.Count > 1)
    {
        double P50(List<(double RoundTrip, double InPage)> t, bool inPage) => Pct(t.Select(x => inPage ? x.InPage : x.RoundTrip).ToList(), 0.5);
        Console.WriteLine($"p50 ratio {urls[1]} ÷ {urls[0]}, in page: small {P50(small[1], true) / P50(small[0], true):0.00}×, phone {P50(large[1], true) / P50(large[0], true):0.00}× · round trip: small {P50(small[1], false) / P50(small[0], false):0.00}×, phone {P50(large[1], false) / P50(large[0], false):0.00}×");
    }

    if (liveSeconds > 0)
    {
        for (var p = 0; p < pages.Count; p++)
        {
            var page = pages[p];
            await page.Locator("[data-testid=camera-start]").ClickAsync();
            await page.Locator("input[data-testid=camera-live], [data-testid=camera-live] input").First.CheckAsync();
            await page.WaitForTimeoutAsync(3000); // camera and first frames
            var start = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
            await page.WaitForTimeoutAsync(liveSeconds * 1000);
            var end = await page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=frames-analysed]')?.dataset.count ?? 0)");
            await page.Locator("input[data-testid=camera-live], [data-testid=camera-live] input").First.UncheckAsync();
            Console.WriteLine($"live mode, {urls[p]}: {end - start} frames analysed in {liveSeconds} s = {(end - start) / (double)liveSeconds:0.0} frames/s (load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        }
    }
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
