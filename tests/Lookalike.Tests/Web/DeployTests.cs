using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Lookalike.Tests.Web;

/// <summary>
/// The deploy smoke test (README "Deploy"): <c>dotnet publish -c Release -r linux-x64</c>, the published executable
/// started in Production from another folder on a loopback port over a copy of the test gallery, and Chromium: every
/// script and stylesheet arrives non-empty, the circuit connects, a photo finds its person.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class DeployTests(LfwGalleryFixture gallery)
{
    /// <summary><c>LOOKALIKE_TEST_NGINX=&lt;nginx url&gt;|&lt;upstream port&gt;</c>, set by <c>.ci/run</c> after <c>.ci/nginx.sh start</c>.</summary>
    internal static readonly string? Nginx = Environment.GetEnvironmentVariable("LOOKALIKE_TEST_NGINX");

    private static Task<string>? _published;

    /// <summary>Publishes once for the tests of this class; returns the publish folder (removed when the test run ends).</summary>
    private static Task<string> PublishAsync() => _published ??= PublishOnceAsync();

    private static async Task<string> PublishOnceAsync()
    {
        var folder = Directory.CreateTempSubdirectory("lookalike-publish-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } };
        var (code, log) = await RunAsync("dotnet", ["publish", Path.Combine(TestPaths.RepoRoot, "src", "Lookalike.Web"), "-c", "Release", "-r", "linux-x64", "-o", folder, "-nologo"], TimeSpan.FromMinutes(10));
        Assert.True(code == 0, "dotnet publish failed:\n" + log);
        return folder;
    }

    [BrowserFact]
    public async Task PublishedBuild_InProduction_ServesUiConnectsAndMatches()
    {
        var publish = await PublishAsync();

        // one runtime identifier: native libraries for linux-x64 beside the app, none for other platforms
        Assert.True(File.Exists(Path.Combine(publish, "libonnxruntime.so")), "libonnxruntime.so missing from the publish folder");
        var runtimes = Path.Combine(publish, "runtimes");
        Assert.False(Directory.Exists(runtimes) && Directory.GetDirectories(runtimes).Any(), "foreign native runtimes were published: " + runtimes);

        var port = FreePort();
        await RunPublishedAsync(publish, port, $"http://127.0.0.1:{port}", nameof(PublishedBuild_InProduction_ServesUiConnectsAndMatches));
    }

    [NginxFact]
    public async Task PublishedBuild_BehindNginx_CircuitOverWebSocketAndMatch()
    {
        // The real nginx from Debian, run by .ci/run as a non-root user with deploy/lookalike-proxy.conf.
        var parts = Nginx!.Split('|');
        var publish = await PublishAsync();
        await RunPublishedAsync(publish, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[0], nameof(PublishedBuild_BehindNginx_CircuitOverWebSocketAndMatch), expectWebSocket: true);
    }

    /// <summary>Starts the published app in Production on <paramref name="port"/>, opens <paramref name="url"/> in Chromium and matches a probe.</summary>
    private async Task RunPublishedAsync(string publish, int port, string url, string name, bool expectWebSocket = false)
    {
        using var data = gallery.CopyDataDirectory();
        using var elsewhere = new TempDirectory();
        var start = new ProcessStartInfo(Path.Combine(publish, "Lookalike.Web"), ["--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = elsewhere.Path, // not the publish folder: the app finds its own files
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Lookalike__DataDirectory"] = data.Path;
        var output = new StringBuilder();
        using var app = Process.Start(start)!;
        app.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        app.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            await WaitForReadyAsync(app, url, output);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserApp.LaunchAsync(playwright, []);
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            var assets = new List<IResponse>();
            var sockets = new List<string>();
            page.Response += (_, r) =>
            {
                if (r.Url.EndsWith(".js", StringComparison.Ordinal) || r.Url.EndsWith(".css", StringComparison.Ordinal))
                {
                    lock (assets) { assets.Add(r); }
                }
            };
            page.WebSocket += (_, ws) => { lock (sockets) { sockets.Add(ws.Url); } };

            await BrowserApp.RunAsync(page, name, async () =>
            {
                await page.GotoAsync("/");
                await page.Locator("[data-interactive=true]").WaitForAsync(); // the circuit connected
                IResponse[] seen;
                lock (assets) { seen = [.. assets]; }
                Assert.Contains(seen, r => r.Url.Contains("blazor.web", StringComparison.Ordinal));
                foreach (var response in seen)
                {
                    Assert.Equal(200, response.Status);
                    Assert.True((await response.BodyAsync()).Length > 0, "empty body: " + response.Url);
                }
                if (expectWebSocket)
                {
                    lock (sockets) { Assert.Contains(sockets, s => s.StartsWith(url.Replace("http", "ws", StringComparison.Ordinal) + "/_blazor", StringComparison.Ordinal)); }
                }

                var probe = gallery.HeldBack[0];
                await page.Locator("input[data-testid=upload]").SetInputFilesAsync(probe.Path);
                var first = page.Locator("[data-testid=match-card]").First;
                await first.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
                Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            });
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }

    private static async Task WaitForReadyAsync(Process app, string baseUrl, StringBuilder output)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (app.HasExited)
            {
                lock (output) { Assert.Fail($"the published app exited with {app.ExitCode}:\n{output}"); }
            }
            try
            {
                if ((await http.GetAsync(baseUrl + "/")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // starting
            }
            await Task.Delay(500);
        }
        lock (output) { Assert.Fail("the published app did not answer within 90 s:\n" + output); }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran over {timeout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A browser test that also needs the CI's nginx (<c>LOOKALIKE_TEST_NGINX</c>); skipped, saying so, without it.</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute()
    {
        if (!BrowserApp.Available)
        {
            Skip = $"needs {BrowserApp.ChromiumPath} (apt-get install chromium)";
        }
        else if (DeployTests.Nginx is null)
        {
            Skip = "needs LOOKALIKE_TEST_NGINX: run .ci/nginx.sh start and export the line it prints (.ci/run does both)";
        }
    }
}
