using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using SkiaSharp;
using Xunit.Abstractions;

namespace Lookalike.Tests.Web;

/// <summary>
/// Five parallel uploads of a near-limit photo (36 MP, under the 40 MP limit) to <c>POST /api/match</c> on the app as
/// it runs (its own process, server GC): the decode budget (<c>DecodeBudget</c>, 2 × 40 MP by default) makes them queue,
/// so the app's peak RSS grows by a bounded amount instead of by five full images. Before the budget, the pixel
/// buffers in native memory, the row-by-row JPEG decode and the collection of released pixels, five such PNGs grew it
/// by 1.1–1.3 GB.
/// </summary>
/// <remarks>
/// The bounds: two images decoded at once are 2 × 36 MP × 3 bytes = 216 MB of RGB; a PNG is decoded whole, so while it
/// decodes it also holds a native 144 MB RGBA frame; one released image may still wait for its collection. Peak RSS is
/// reset (<c>/proc/PID/clear_refs</c> = 5) after a warm-up request, so start-up does not count.
/// </remarks>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class ParallelUploadMemoryTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private const int Side = 6000; // 36 MP
    private const long PngBound = 700 * MiB;
    private const long JpegBound = 500 * MiB;

    [Theory]
    [InlineData("near-limit.png")]
    [InlineData("near-limit.jpg")]
    public async Task FiveParallelNearLimitUploads_QueueOnTheDecodeBudget_PeakRssBounded(string name)
    {
        // Arrange: the app (a fresh process per format) on an empty data directory: every answer is "no face", after a
        // full decode and detection
        var png = name.EndsWith(".png", StringComparison.Ordinal);
        var photo = png ? NearLimitPng() : NearLimitJpeg();
        var bound = png ? PngBound : JpegBound;
        output.WriteLine($"{name}: {Side}×{Side}, {photo.Length / 1024} KB");
        using var data = new TempDirectory("lookalike-mem");
        var url = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo("dotnet", [typeof(Lookalike.Web.Cli.CliApp).Assembly.Location, "--urls", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Lookalike__DataDirectory"] = data.Path;
        start.Environment["Lookalike__RateLimits__MatchPerMinute"] = "0";
        var log = new StringBuilder();
        using var app = Process.Start(start)!;
        app.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        app.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(3) };
            await WaitForReadyAsync(app, http, log);
            var warm = await PostAsync(http, File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg")), "warm.jpg");
            Assert.Equal(HttpStatusCode.OK, warm.Status);

            // Act
            var growth = await MeasureAsync(app, http, photo, name);

            // Assert
            output.WriteLine($"peak RSS growth for 5 parallel uploads: {growth / MiB} MB (bound {bound / MiB} MB)");
            Assert.True(growth < bound, $"5 parallel 36 MP uploads of {name} grew peak RSS by {growth / MiB} MB");
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }

    /// <summary>Resets the app's peak RSS, sends five uploads at once, checks each was decoded in full, and returns peak − start RSS in bytes.</summary>
    private async Task<long> MeasureAsync(Process app, HttpClient http, byte[] photo, string name)
    {
        await Task.Delay(500);
        await File.WriteAllTextAsync($"/proc/{app.Id}/clear_refs", "5"); // VmHWM := VmRSS
        var baseline = StatusKb(app, "VmRSS:");
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PostAsync(http, photo, name)));
        var peak = StatusKb(app, "VmHWM:");
        foreach (var (status, body) in answers)
        {
            Assert.True(status == HttpStatusCode.OK, $"{name}: {(int)status} {body}");
            Assert.Contains($"\"width\":{Side},\"height\":{Side}", body, StringComparison.Ordinal);
        }
        output.WriteLine($"{name}: RSS {baseline / 1024} MB before, peak {peak / 1024} MB");
        return (peak - baseline) * 1024;
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, byte[] photo, string name)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(photo);
        content.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg");
        form.Add(content, "image", name);
        using var response = await http.PostAsync("/api/match", form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static long StatusKb(Process app, string field)
    {
        var line = File.ReadLines($"/proc/{app.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A 6000×6000 PNG (SkiaSharp): flat colour with a few discs, small on disk, 36 MP declared and decoded.</summary>
    private static byte[] NearLimitPng() => Draw(bitmap => bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray(), gradient: false);

    /// <summary>A 6000×6000 JPEG (SkiaSharp, quality 80) of a gradient.</summary>
    private static byte[] NearLimitJpeg() => Draw(bitmap => bitmap.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray(), gradient: true);

    private static byte[] Draw(Func<SKBitmap, byte[]> encode, bool gradient)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(Side, Side, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { IsAntialias = true })
        {
            canvas.Clear(SKColors.Wheat);
            if (gradient)
            {
                paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(Side, Side), [SKColors.SteelBlue, SKColors.Wheat], SKShaderTileMode.Clamp);
                canvas.DrawRect(0, 0, Side, Side, paint);
                paint.Shader = null;
            }
            paint.Color = SKColors.SaddleBrown;
            for (var i = 1; i <= 4; i++)
            {
                canvas.DrawCircle(i * Side / 5f, Side / 2f, Side / 12f, paint);
            }
        }
        return encode(bitmap);
    }

    private static async Task WaitForReadyAsync(Process app, HttpClient http, StringBuilder log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (app.HasExited)
            {
                lock (log) { Assert.Fail($"the app exited with {app.ExitCode}:\n{log}"); }
            }
            try
            {
                if ((await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(500);
        }
        lock (log) { Assert.Fail("the app was not ready within 90 s:\n" + log); }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
