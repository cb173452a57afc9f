using System.Diagnostics;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lookalike.Tests.Web;

/// <summary>A browser test: needs Debian's Chromium and shared/data/lfw; skipped with the reason otherwise.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!BrowserApp.Available)
        {
            Skip = $"needs {BrowserApp.ChromiumPath} (apt-get install chromium)";
        }
        else if (!Directory.Exists(Path.Combine(TestPaths.SharedData, "lfw")))
        {
            Skip = $"needs {Path.Combine(TestPaths.SharedData, "lfw")}";
        }
    }
}

/// <summary>End to end in Chromium over the imported LFW slice.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class BrowserTests(LfwGalleryFixture gallery)
{
    private static async Task OpenHomeAsync(IPage page)
    {
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync();
    }

    private static async Task UploadAsync(IPage page, string path)
    {
        var before = await FramesAsync(page);
        await page.Locator("input[data-testid=upload]").SetInputFilesAsync(path);
        await page.WaitForFunctionAsync(
            "n => { const e = document.querySelector('[data-testid=frames-analysed]'); return (e && +e.dataset.count > n) || document.querySelector('[data-testid=result-message]'); }",
            before);
    }

    private static async Task<int> FramesAsync(IPage page)
    {
        var locator = page.Locator("[data-testid=frames-analysed]");
        return await locator.CountAsync() == 0 ? 0 : int.Parse(await locator.GetAttributeAsync("data-count") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }

    [BrowserFact]
    public async Task Upload_HeldBackPhoto_FirstCardIsThatPerson()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[0];

        await BrowserApp.RunAsync(page, nameof(Upload_HeldBackPhoto_FirstCardIsThatPerson), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync();

            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(1, await page.Locator("[data-testid=face-box]").CountAsync());
            // the timings sit in the Advanced panel, closed by default
            Assert.False(await page.Locator("[data-testid=timings-strip]").IsVisibleAsync());
            await page.GetByText("Advanced:").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=timings-strip]")).ToContainTextAsync("recall vs exact");
            await BrowserApp.DocScreenshotAsync(page, "home.png");

            // k counts people: k = 5 shows five cards with five different names
            await page.Locator("[data-testid=search-controls] input[type=range]").First.FillAsync("5");
            await Assertions.Expect(page.Locator("[data-testid=match-card]")).ToHaveCountAsync(5);
            var names = await page.Locator("[data-testid=match-card]").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.person)");
            Assert.Equal(5, names.Distinct().Count());

            // The same file chosen again runs again.
            await UploadAsync(page, probe.Path);
            Assert.Equal(2, await FramesAsync(page));
        });
    }

    [BrowserFact]
    public async Task Upload_NotAnImageThenPhoto_MessageThenResultsWithoutReload()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(Upload_NotAnImageThenPhoto_MessageThenResultsWithoutReload), async () =>
        {
            await OpenHomeAsync(page);
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(Path.Combine(TestPaths.BugInputs, "b08_html_named.png"));
            var message = page.Locator("[data-testid=result-message]");
            await Assertions.Expect(message).ToContainTextAsync("not an image");
            Assert.Equal(0, await page.Locator("#components-reconnect-modal[open]").CountAsync());

            await UploadAsync(page, gallery.HeldBack[1].Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();
            Assert.Equal(0, await message.CountAsync());

            // an empty file says so, and the page keeps working
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(Path.Combine(TestPaths.BugInputs, "b06_zero_bytes.jpg"));
            await Assertions.Expect(message).ToContainTextAsync("empty");
            Assert.Equal(0, await page.Locator("#components-reconnect-modal[open]").CountAsync());
        });
    }

    [BrowserFact]
    public async Task Upload_OverTenMegabytes_RefusedBeforeTransfer()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        using var temp = new TempDirectory();
        var big = Path.Combine(temp.Path, "big.jpg");
        await File.WriteAllBytesAsync(big, new byte[11_000_000]);

        await BrowserApp.RunAsync(page, nameof(Upload_OverTenMegabytes_RefusedBeforeTransfer), async () =>
        {
            await OpenHomeAsync(page);
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(big);

            await Assertions.Expect(page.Locator("[data-testid=result-message]")).ToContainTextAsync("larger than 10 MB");
        });
    }

    [BrowserFact]
    public async Task GroupPhoto_ClickOtherFace_FirstCardChanges()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(GroupPhoto_ClickOtherFace_FirstCardChanges), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, Path.Combine(TestPaths.BugInputs, "b12_two_faces_large_left_small_right.jpg"));
            var boxes = page.Locator("[data-testid=face-box]");
            await Assertions.Expect(boxes).ToHaveCountAsync(2);
            var first = page.Locator("[data-testid=match-card]").First;
            var before = await first.InnerTextAsync();
            Assert.Equal("true", await boxes.Nth(0).GetAttributeAsync("aria-pressed"));

            await boxes.Nth(1).ClickAsync(new LocatorClickOptions { Force = true });

            await Assertions.Expect(boxes.Nth(1)).ToHaveAttributeAsync("aria-pressed", "true");
            await Assertions.Expect(first).Not.ToHaveTextAsync(before);
        });
    }

    [BrowserFact]
    public async Task Webcam_LiveMode_ResultsArriveWithoutReconnect()
    {
        var app = await gallery.BrowserAsync();
        using var temp = new TempDirectory();
        var probe = gallery.HeldBack[0];
        var video = Path.Combine(temp.Path, "face.y4m");
        using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-y", "-loglevel", "error", "-loop", "1", "-i", probe.Path, "-vf", "scale=480:480,pad=640:480:80:0,format=yuv420p", "-frames:v", "20", "-r", "10", video])
        { RedirectStandardError = true })!)
        {
            await ffmpeg.WaitForExitAsync();
            Assert.True(ffmpeg.ExitCode == 0, await ffmpeg.StandardError.ReadToEndAsync());
        }
        await using var browser = await BrowserApp.LaunchAsync(app.Playwright,
            ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--use-file-for-fake-video-capture=" + video]);
        var page = await app.NewPageAsync(browser);

        await BrowserApp.RunAsync(page, nameof(Webcam_LiveMode_ResultsArriveWithoutReconnect), async () =>
        {
            await OpenHomeAsync(page);
            await page.Locator("[data-testid=camera-start]").ClickAsync();
            await page.Locator("input[data-testid=camera-live], [data-testid=camera-live] input").First.CheckAsync();

            await page.WaitForFunctionAsync("() => { const e = document.querySelector('[data-testid=frames-analysed]'); return e && +e.dataset.count >= 3; }",
                null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync();

            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(0, await page.Locator("#components-reconnect-modal[open]").CountAsync());
            await page.Locator("input[data-testid=camera-live], [data-testid=camera-live] input").First.UncheckAsync();
        });
    }

    [BrowserFact]
    public async Task Webcam_InsecureOrigin_ButtonDisabledWithMessageAndUploadWorks()
    {
        var app = await gallery.BrowserAsync();
        var port = new Uri(app.BaseUrl).Port;
        await using var browser = await BrowserApp.LaunchAsync(app.Playwright, ["--host-resolver-rules=MAP lookalike.test 127.0.0.1"]);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text + " @ " + m.Location);
            }
        };

        await BrowserApp.RunAsync(page, nameof(Webcam_InsecureOrigin_ButtonDisabledWithMessageAndUploadWorks), async () =>
        {
            await page.GotoAsync($"http://lookalike.test:{port}/");
            await page.Locator("[data-interactive=true]").WaitForAsync();

            await Assertions.Expect(page.Locator("[data-testid=camera-error]")).ToContainTextAsync("Camera needs HTTPS (or localhost)");
            await Assertions.Expect(page.Locator("[data-testid=camera-start]")).ToBeDisabledAsync();
            await UploadAsync(page, gallery.HeldBack[0].Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        });
    }

    [BrowserFact]
    public async Task PersonLink_FromFirstCard_ShowsPhotosWithDistances()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[3];

        await BrowserApp.RunAsync(page, nameof(PersonLink_FromFirstCard_ShowsPhotosWithDistances), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            await page.Locator("[data-testid=match-name]").First.ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=person-name]")).ToHaveTextAsync(probe.Person);
            Assert.True(await page.Locator("[data-testid=person-photo]").CountAsync() >= 2);
            await Assertions.Expect(page.Locator("[data-testid=person-distance]").First).ToContainTextAsync("distance 0.");
            // your face beside each of theirs, and the way back to the same results
            Assert.Equal(await page.Locator("[data-testid=person-photo]").CountAsync(), await page.Locator("[data-testid=person-probe-chip]").CountAsync());
            await page.Locator("[data-testid=back-to-results]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=match-card]").First).ToHaveAttributeAsync("data-person", probe.Person);

            // on a phone the person page does not scroll sideways
            await page.SetViewportSizeAsync(390, 844);
            await page.Locator("[data-testid=match-name]").First.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=person-name]")).ToHaveTextAsync(probe.Person);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the person page overflows sideways at 390 px");
        });
    }

    [BrowserFact]
    public async Task GalleryPage_ImportServerFolder_ProgressThenSummary()
    {
        var app = await gallery.BrowserAsync();
        using var data = new TempDirectory();
        using var factory = new LookalikeAppFactory(data.Path) { ImportRoots = [TestPaths.BugInputs] };
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url });
        var page = await context.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(GalleryPage_ImportServerFolder_ProgressThenSummary), async () =>
        {
            await BrowserApp.SignInAsync(page, factory.Services);
            await page.GotoAsync("/gallery");
            var path = page.Locator("input[data-testid=import-path], [data-testid=import-path] input").First;
            await Assertions.Expect(page.Locator("[data-testid=import-start]")).ToBeDisabledAsync();
            await page.WaitForTimeoutAsync(1000);

            // a server folder outside Lookalike:ImportRoots is refused, and nothing is imported
            await path.FillAsync("/etc");
            await path.PressAsync("Tab");
            await page.Locator("[data-testid=import-start]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=import-message]")).ToContainTextAsync("outside the folders allowed for import");

            await path.FillAsync(Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style"));
            await path.PressAsync("Tab");
            await page.Locator("[data-testid=import-start]").ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=import-summary]")).ToContainTextAsync("5 imported", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("[data-testid=gallery-stats]")).ToContainTextAsync("hidden or system file");
            await BrowserApp.DocScreenshotAsync(page, "gallery.png");

            // signing out ends admin access: the nav hides the gallery and the page asks for sign-in again
            await page.Locator("[data-testid=signout]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=nav-signin]")).ToBeVisibleAsync();
            Assert.Equal(0, await page.Locator("[data-testid=nav-gallery]").CountAsync());
            await page.GotoAsync("/gallery");
            await page.WaitForURLAsync(u => u.Contains("/signin", StringComparison.Ordinal));
        });
    }

    [BrowserFact]
    public async Task GalleryPage_UploadLfwStyleTgz_ImportsThePeople()
    {
        var app = await gallery.BrowserAsync();
        using var data = new TempDirectory();
        using var archives = new TempDirectory("lookalike-tgz-upload");
        // LFW's own format: lfw/<Name>/<Name>_0001.jpg in a gzip'd tar, with a loose README.txt and macOS debris beside the people
        var lfw = Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style");
        var tgz = Path.Combine(archives.Path, "lfw.tgz");
        Lookalike.Tests.Gallery.TarImportTests.WriteTar(tgz, [
            .. Directory.GetFiles(lfw, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => new Lookalike.Tests.Gallery.TarImportTests.Item("lfw/" + Path.GetRelativePath(lfw, f).Replace('\\', '/'), File.ReadAllBytes(f))),
        ]);
        using var factory = new LookalikeAppFactory(data.Path);
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        await BrowserApp.RunAsync(page, nameof(GalleryPage_UploadLfwStyleTgz_ImportsThePeople), async () =>
        {
            await BrowserApp.SignInAsync(page, factory.Services);
            await page.GotoAsync("/gallery");
            await page.Locator("[data-testid=gallery-browser][data-interactive=true]").WaitForAsync();
            var upload = page.Locator("input[type=file][accept*='.tgz']");
            Assert.Equal(".zip,.tgz,.tar.gz,.tar", await upload.GetAttributeAsync("accept"));
            await upload.SetInputFilesAsync(tgz);

            await Assertions.Expect(page.Locator("[data-testid=import-summary]")).ToContainTextAsync("5 imported", new() { Timeout = 90_000 });
            // the skips are named by the archive as uploaded, never by the server's temporary copy
            var stats = page.Locator("[data-testid=gallery-stats]");
            await Assertions.Expect(stats).ToContainTextAsync("lfw.tgz!lfw/");
            await Assertions.Expect(stats).ToContainTextAsync("hidden or system file");
            Assert.DoesNotContain("lookalike-upload-", await page.ContentAsync(), StringComparison.Ordinal);

            // the people are the folders below lfw/ (the loose README.txt does not make "lfw" one person)
            await page.GotoAsync("/gallery");
            await page.Locator("[data-testid=gallery-browser][data-interactive=true]").WaitForAsync();
            await Assertions.Expect(page.Locator("[data-testid=person-row]")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=person-row][data-person=\"Person A\"]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=person-row][data-person=\"Person B\"]")).ToHaveCountAsync(1);
            await page.Locator("[data-testid=person-row][data-person=\"Person A\"]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=person-detail-name]")).ToHaveTextAsync("Person A");
            Assert.True(await page.Locator("[data-testid=person-photo]").CountAsync() >= 2);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ArtifactsDirectory, "gallery-tgz-1366.png"), FullPage = true });
            await page.SetViewportSizeAsync(390, 844);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ArtifactsDirectory, "gallery-tgz-390.png"), FullPage = true });
        });
    }

    [BrowserFact]
    public async Task GalleryPage_FusedModel_ShowsTheActiveModel()
    {
        var app = await gallery.BrowserAsync();
        using var data = new TempDirectory();
        using var factory = new LookalikeAppFactory(data.Path) { Settings = new Dictionary<string, string?> { ["Lookalike:Faces:Model"] = "fused" } };
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        await BrowserApp.RunAsync(page, nameof(GalleryPage_FusedModel_ShowsTheActiveModel), async () =>
        {
            await BrowserApp.SignInAsync(page, factory.Services);
            await page.GotoAsync("/gallery");
            await page.Locator("[data-testid=gallery-browser][data-interactive=true]").WaitForAsync();

            await Assertions.Expect(page.Locator("[data-testid=active-model]")).ToContainTextAsync("fused · 320-D");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ArtifactsDirectory, "gallery-model-1366.png"), FullPage = true });
            await page.SetViewportSizeAsync(390, 844);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ArtifactsDirectory, "gallery-model-390.png"), FullPage = true });
        });
    }

    [BrowserFact]
    public async Task Tuning_RunSweep_DrawsCurve()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(Tuning_RunSweep_DrawsCurve), async () =>
        {
            await BrowserApp.SignInAsync(page, app.Factory.Services);
            await page.GotoAsync("/tuning");
            var run = page.Locator("[data-testid=run-sweep]");
            await Assertions.Expect(run).ToBeEnabledAsync();
            await page.WaitForTimeoutAsync(500);
            await run.ClickAsync();

            await page.Locator("[data-testid=sweep-curve]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
            Assert.True(await page.Locator("[data-testid=sweep-point]").CountAsync() >= 5);
            Assert.True(await page.Locator("[data-testid=x-tick]").CountAsync() >= 3);
            Assert.True(await page.Locator("[data-testid=y-tick]").CountAsync() >= 3);
            await Assertions.Expect(page.Locator("[data-testid=sweep-method]")).ToContainTextAsync("does not hold");
            await BrowserApp.DocScreenshotAsync(page, "tuning.png");
        });
        // nothing was stored by the sweep
        Assert.Equal(64, app.Factory.Services.GetRequiredService<LiveGallery>().Current.Parameters.DefaultEfSearch);
    }

    [BrowserFact]
    public async Task Tuning_StoreEfSearch_AsksForConfirmationWithTheRecallItImplies()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var live = app.Factory.Services.GetRequiredService<LiveGallery>();

        await BrowserApp.RunAsync(page, nameof(Tuning_StoreEfSearch_AsksForConfirmationWithTheRecallItImplies), async () =>
        {
            await BrowserApp.SignInAsync(page, app.Factory.Services);
            await page.GotoAsync("/tuning");
            var run = page.Locator("[data-testid=run-sweep]");
            await Assertions.Expect(run).ToBeEnabledAsync();
            await page.WaitForTimeoutAsync(500);
            await run.ClickAsync();
            await page.Locator("[data-testid=sweep-curve]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });

            // the pick asks first and stores nothing until confirmed; cancel keeps the default
            await page.Locator("[data-testid=pick-ef]").ClickAsync();
            var confirm = page.Locator("[data-testid=confirm-ef]");
            await Assertions.Expect(confirm).ToContainTextAsync("for every search?");
            await Assertions.Expect(page.Locator("[data-testid=confirm-recall]")).ToContainTextAsync("recall@10 ≈ 0.");
            Assert.Equal(64, live.Current.Parameters.DefaultEfSearch);
            await page.Locator("[data-testid=confirm-cancel]").ClickAsync();
            await Assertions.Expect(confirm).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("[data-testid=pick-message]")).ToContainTextAsync("Nothing was stored");
            Assert.Equal(64, live.Current.Parameters.DefaultEfSearch);

            // the form's efSearch field asks too, with the recall measured for that value; confirming stores it
            var efs = page.Locator("[data-testid=field-efs] input, input[data-testid=field-efs]").First;
            await efs.FillAsync("20");
            await page.Locator("[data-testid=apply-parameters]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=confirm-recall]")).ToContainTextAsync("recall@10 ≈ 0.", new() { Timeout = 60_000 });
            Assert.Equal(64, live.Current.Parameters.DefaultEfSearch);
            await BrowserApp.DocScreenshotAsync(page, "tuning-confirm.png");
            await page.Locator("[data-testid=confirm-store]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=pick-message]")).ToContainTextAsync("efSearch 20 is now the default");
            Assert.Equal(20, live.Current.Parameters.DefaultEfSearch);
        });
        live.SetDefaultEfSearch(64); // the shared gallery's default back for the other tests
    }

    [BrowserFact]
    public async Task Home_SearchRecallBelow95Percent_WarnsThatCardsMayBeWrong()
    {
        var app = await gallery.BrowserAsync();
        using var data = gallery.CopyDataDirectory();
        using var factory = new LookalikeAppFactory(data.Path);
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var live = factory.Services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var probe = gallery.HeldBack[0];
        // A crowd of 4,000 faces all about as far from the probe (its descriptor plus noise): the hardest case for the
        // graph. With the stored efSearch 1 (raised to the faces a people search fetches, 4 × k + 16) recall falls well below 0.95.
        var descriptor = factory.Services.GetRequiredService<MatchService>().Analyze(await File.ReadAllBytesAsync(probe.Path)).Faces[0].Descriptor;
        var random = new Random(5);
        live.AddFaces(Enumerable.Range(0, 4000)
            .Select(i => (new FaceRef(1_000_000 + i, 1_000_000 + i, 1_000_000 + i, $"Crowd {i}"), descriptor.Select(v => v + 0.25f * (float)(random.NextDouble() - 0.5)).ToArray()))
            .ToList());
        live.SetDefaultEfSearch(1);
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        await BrowserApp.RunAsync(page, nameof(Home_SearchRecallBelow95Percent_WarnsThatCardsMayBeWrong), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();

            var warning = page.Locator("[data-testid=low-recall]");
            await Assertions.Expect(warning).ToContainTextAsync("may be the wrong people");
            var recall = double.Parse(await warning.GetAttributeAsync("data-recall") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(recall < 0.95, $"recall {recall}");
            await BrowserApp.DocScreenshotAsync(page, "home-low-recall.png");

            // a large efSearch from the Advanced panel finds more of the exact neighbours (this crowd is too even for all)
            await page.GetByText("Advanced:").ClickAsync();
            await page.Locator("[data-testid=search-controls] input[type=range]").Last.FillAsync("500");
            await Assertions.Expect(page.Locator("[data-testid=timings-strip]")).ToContainTextAsync("efSearch 500");
            var raised = await warning.CountAsync() == 0 ? 1.0
                : double.Parse(await warning.GetAttributeAsync("data-recall") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(raised > recall, $"recall {recall} at efSearch 1, {raised} at 500");
        });
        await context.CloseAsync();
    }

    [BrowserFact]
    public async Task SameSexToggle_OnByDefault_TurnedOffShowsTheMixedList()
    {
        var app = await gallery.BrowserAsync();
        var matcher = app.Factory.Services.GetRequiredService<MatchService>();
        var ef = app.Factory.Services.GetRequiredService<LiveGallery>().Current.Parameters.DefaultEfSearch;
        // a probe whose unfiltered top 10 mixes sexes, found with the service the page uses
        var (probe, filtered, plain) = gallery.HeldBack.Select(p =>
        {
            var face = matcher.Analyze(File.ReadAllBytes(p.Path)).Faces[0];
            var sex = matcher.EstimateAgeSex(face).Sex;
            var all = matcher.SearchPeople(face.Descriptor, 10, ef, measureRecall: false);
            var same = matcher.SearchPeople(face.Descriptor, 10, ef, measureRecall: false, sameSexAs: sex);
            return (Probe: p, Filtered: same.People.Select(x => x.Person).ToList(), Plain: all.People.Select(x => x.Person).ToList());
        }).First(t => !t.Filtered.SequenceEqual(t.Plain));
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(SameSexToggle_OnByDefault_TurnedOffShowsTheMixedList), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            var toggle = page.Locator("[data-testid=same-sex] input[type=checkbox]");
            await Assertions.Expect(toggle).ToBeCheckedAsync();
            await Assertions.Expect(page.Locator("[data-testid=same-sex-help]")).ToContainTextAsync("On by default");
            await Assertions.Expect(page.Locator("[data-testid=probe-estimate]")).ToContainTextAsync("estimated");
            var cards = page.Locator("[data-testid=match-card]");
            await Assertions.Expect(cards).ToHaveCountAsync(filtered.Count);
            Assert.Equal(string.Join('|', filtered), await cards.EvaluateAllAsync<string>("cs => cs.map(c => c.dataset.person).join('|')"));
            await Assertions.Expect(page.Locator("[data-testid=match-estimate]").First).ToContainTextAsync("estimated");

            await toggle.ClickAsync();
            await Assertions.Expect(toggle).Not.ToBeCheckedAsync();
            await page.WaitForFunctionAsync("want => [...document.querySelectorAll('[data-testid=match-card]')].map(c => c.dataset.person).join('|') === want", string.Join('|', plain));

            // turned on again, the filtered list is back
            await toggle.ClickAsync();
            await page.WaitForFunctionAsync("want => [...document.querySelectorAll('[data-testid=match-card]')].map(c => c.dataset.person).join('|') === want", string.Join('|', filtered));
        });
    }

    [BrowserFact]
    public async Task DropZone_RealDragOfAFile_ProducesCards_SameFileAgainSearchesAgain()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[1];

        await BrowserApp.RunAsync(page, nameof(DropZone_RealDragOfAFile_ProducesCards_SameFileAgainSearchesAgain), async () =>
        {
            await OpenHomeAsync(page);
            var box = (await page.Locator("[data-testid=drop-zone]").BoundingBoxAsync())!;
            var cdp = await page.Context.NewCDPSessionAsync(page);

            // Chromium's own drag path (as a mouse drag from the desktop would): enter, over, drop on the zone
            async Task DragAsync(string type, double x, double y) => await cdp.SendAsync("Input.dispatchDragEvent", new Dictionary<string, object>
            {
                ["type"] = type,
                ["x"] = x,
                ["y"] = y,
                ["data"] = new Dictionary<string, object> { ["items"] = Array.Empty<object>(), ["files"] = new[] { probe.Path }, ["dragOperationsMask"] = 1 },
            });
            var (cx, cy) = (box.X + box.Width / 2, box.Y + box.Height / 2);
            await DragAsync("dragEnter", cx, cy);
            await DragAsync("dragOver", cx, cy);
            await Assertions.Expect(page.Locator("[data-testid=drop-zone]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("dragging"));
            await DragAsync("drop", cx, cy);

            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync();
            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(app.BaseUrl + "/", page.Url); // the tab did not navigate to the image
            await Assertions.Expect(page.Locator("[data-testid=drop-zone]")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("dragging"));

            // the same file chosen again runs again
            var before = await FramesAsync(page);
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(probe.Path);
            await page.WaitForFunctionAsync("n => +document.querySelector('[data-testid=frames-analysed]').dataset.count > n", before);
            before = await FramesAsync(page);
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(probe.Path);
            await page.WaitForFunctionAsync("n => +document.querySelector('[data-testid=frames-analysed]').dataset.count > n", before);

            // the zone takes keyboard focus and shows it
            await page.Locator("input[data-testid=upload]").FocusAsync();
            var outline = await page.Locator("[data-testid=drop-zone]").EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle");
            Assert.Equal("solid", outline);
        });
    }

    /// <summary>
    /// Writes <paramref name="sourcePath"/> enlarged to <paramref name="width"/> × <paramref name="height"/> pixels with
    /// faint noise of ±<paramref name="noise"/> levels per channel (as a phone sensor's), so the file does not compress
    /// far below a real photo's size.
    /// </summary>
    private static async Task WriteNoisyEnlargementAsync(string sourcePath, string path, int width, int height, int noise, SkiaSharp.SKEncodedImageFormat format, int quality, int seed)
    {
        using var source = SkiaSharp.SKBitmap.Decode(sourcePath);
        using var scaled = source.Resize(new SkiaSharp.SKImageInfo(width, height), new SkiaSharp.SKSamplingOptions(SkiaSharp.SKCubicResampler.Mitchell));
        var random = new Random(seed);
        var pixels = scaled.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i++)
        {
            if (i % 4 != 3)
            {
                pixels[i] = (byte)Math.Clamp(pixels[i] + random.Next(-noise, noise + 1), 0, 255);
            }
        }
        using var data = scaled.Encode(format, quality);
        await File.WriteAllBytesAsync(path, data.ToArray());
    }

    [BrowserFact]
    public async Task LargePhoto_OverTheUploadLimit_DownscaledInTheBrowserAndMatched()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[0];
        using var temp = new TempDirectory();
        // a phone-sized photo (3000 × 3516) as PNG: larger than the 10 MB upload limit, so it only gets through
        // because the page downscales it before sending
        var big = Path.Combine(temp.Path, "phone.png");
        await WriteNoisyEnlargementAsync(probe.Path, big, 3000, 3516, noise: 6, SkiaSharp.SKEncodedImageFormat.Png, 100, seed: 3);
        Assert.True(new FileInfo(big).Length > 10L * 1024 * 1024, $"test photo is only {new FileInfo(big).Length} bytes");

        await BrowserApp.RunAsync(page, nameof(LargePhoto_OverTheUploadLimit_DownscaledInTheBrowserAndMatched), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, big);
            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(0, await page.Locator("[data-testid=result-message]").CountAsync());
        });
    }

    [BrowserFact]
    public async Task MidSizePhoto_OverTheDirectLimit_StreamedAndMatched()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[1];
        using var temp = new TempDirectory();
        // A photo larger than one hub message may carry (GalleryLimits.MaxDirectPhotoBytes) but too small to be
        // downscaled in the browser: it goes as a stream the server pulls, not inside the call.
        var mid = Path.Combine(temp.Path, "mid.jpg");
        await WriteNoisyEnlargementAsync(probe.Path, mid, 1400, 1400, noise: 8, SkiaSharp.SKEncodedImageFormat.Jpeg, 95, seed: 5);
        var size = new FileInfo(mid).Length;
        Assert.InRange(size, Lookalike.Gallery.GalleryLimits.MaxDirectPhotoBytes + 1, 1_500_000);

        await BrowserApp.RunAsync(page, nameof(MidSizePhoto_OverTheDirectLimit_StreamedAndMatched), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, mid);
            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(0, await page.Locator("[data-testid=result-message]").CountAsync());

            // the same file again runs again (the input was emptied)
            await UploadAsync(page, mid);
            Assert.Equal(2, await FramesAsync(page));
        });
    }

    [BrowserFact]
    public async Task Paste_SmallPhoto_SearchedLikeAnUpload()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[0];
        var base64 = Convert.ToBase64String(await File.ReadAllBytesAsync(probe.Path));

        await BrowserApp.RunAsync(page, nameof(Paste_SmallPhoto_SearchedLikeAnUpload), async () =>
        {
            await OpenHomeAsync(page);
            // A paste event carrying the photo as a file, as the browser raises for Ctrl+V of a copied image.
            await page.EvaluateAsync(@"b64 => {
                const bin = atob(b64);
                const bytes = new Uint8Array(bin.length);
                for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                const data = new DataTransfer();
                data.items.add(new File([bytes], 'pasted.jpg', { type: 'image/jpeg' }));
                document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
            }", base64);

            var first = page.Locator("[data-testid=match-card]").First;
            await first.WaitForAsync();
            Assert.Equal(probe.Person, await first.GetAttributeAsync("data-person"));
            Assert.Equal(1, await FramesAsync(page));
        });
    }

    [BrowserFact]
    public async Task Upload_OverTheCircuitsRateLimit_RefusedWithAMessage()
    {
        var app = await gallery.BrowserAsync();
        using var data = gallery.CopyDataDirectory();
        using var factory = new LookalikeAppFactory(data.Path) { Settings = new Dictionary<string, string?> { ["Lookalike:RateLimits:UploadsPerMinute"] = "2" } };
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        await BrowserApp.RunAsync(page, nameof(Upload_OverTheCircuitsRateLimit_RefusedWithAMessage), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, gallery.HeldBack[0].Path);
            await UploadAsync(page, gallery.HeldBack[1].Path);
            Assert.Equal(2, await FramesAsync(page));

            // The third photo inside the minute arrives with its call (a small photo) and is still counted and refused.
            await page.Locator("input[data-testid=upload]").SetInputFilesAsync(gallery.HeldBack[0].Path);
            await Assertions.Expect(page.Locator("[data-testid=result-message]")).ToContainTextAsync("a lot of photos");
            Assert.Equal(2, await FramesAsync(page));
        });
    }

    [BrowserFact]
    public async Task DownloadResultCard_PngWithBothFacesAndTheName()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();
        var probe = gallery.HeldBack[2];

        await BrowserApp.RunAsync(page, nameof(DownloadResultCard_PngWithBothFacesAndTheName), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();
            var person = await page.Locator("[data-testid=match-card]").First.GetAttributeAsync("data-person");

            var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-card]").ClickAsync());
            using var temp = new TempDirectory();
            var file = Path.Combine(temp.Path, download.SuggestedFilename);
            await download.SaveAsAsync(file);

            Assert.EndsWith(".png", download.SuggestedFilename, StringComparison.Ordinal);
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
            using var bitmap = SkiaSharp.SKBitmap.Decode(bytes);
            Assert.Equal((1200, 630), (bitmap.Width, bitmap.Height));
            // both faces are on the card: the face pipeline itself finds two
            var analysis = app.Factory.Services.GetRequiredService<MatchService>().Analyze(bytes);
            Assert.Equal(2, analysis.Faces.Count);
            Assert.Contains(person!.Split(' ')[^1].ToLowerInvariant(), download.SuggestedFilename, StringComparison.Ordinal); // named after the person
        });
    }

    [BrowserFact]
    public async Task DarkScheme_FollowedByDefault_ToggleWinsAndIsKept()
    {
        var app = await gallery.BrowserAsync();
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseUrl, ColorScheme = ColorScheme.Dark });
        var page = await context.NewPageAsync();
        // functions, not strings: a string is evaluated with eval, which the page's CSP (no 'unsafe-eval') refuses
        const string Brightness = "() => { const m = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number); return m[0] + m[1] + m[2]; }";
        const string DarkerThan = "limit => { const m = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number); return m[0] + m[1] + m[2] < limit; }";
        const string LighterThan = "limit => { const m = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number); return m[0] + m[1] + m[2] > limit; }";

        await BrowserApp.RunAsync(page, nameof(DarkScheme_FollowedByDefault_ToggleWinsAndIsKept), async () =>
        {
            await OpenHomeAsync(page);
            await page.WaitForFunctionAsync(DarkerThan, 200); // the browser prefers dark: the page is dark
            await page.Locator("[data-testid=theme-toggle]").ClickAsync();
            await page.WaitForFunctionAsync(LighterThan, 600); // the visitor chose light
            await page.ReloadAsync();
            await page.Locator("[data-interactive=true]").WaitForAsync();
            await page.WaitForTimeoutAsync(500);
            Assert.True(await page.EvaluateAsync<int>(Brightness) > 600); // and the choice is kept
        });
    }

    [BrowserFact]
    public async Task Anonymous_SeesNoAdminControls_AndGalleryAsksForSignIn()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(Anonymous_SeesNoAdminControls_AndGalleryAsksForSignIn), async () =>
        {
            await OpenHomeAsync(page);
            Assert.Equal(0, await page.Locator("[data-testid=nav-gallery]").CountAsync());
            await Assertions.Expect(page.Locator("[data-testid=nav-signin]")).ToBeVisibleAsync();

            await page.GotoAsync("/tuning");
            await Assertions.Expect(page.Locator("[data-testid=tuning-read-only]")).ToBeVisibleAsync();
            Assert.Equal(0, await page.Locator("[data-testid=pick-ef]").CountAsync());

            await page.GotoAsync("/gallery");
            await page.WaitForURLAsync(url => url.Contains("/signin", StringComparison.Ordinal));
            Assert.Equal(0, await page.Locator("[data-testid=import-start]").CountAsync());

            // on a phone the links fold into a menu button; it opens, offers sign-in (not the gallery) and navigates
            await page.SetViewportSizeAsync(390, 844);
            await Assertions.Expect(page.Locator("[data-testid=nav-signin]")).ToBeHiddenAsync();
            await page.Locator("[data-testid=nav-menu] summary").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=nav-menu-signin]")).ToBeVisibleAsync();
            Assert.Equal(0, await page.Locator("[data-testid=nav-menu-gallery]").CountAsync());
            await page.Locator("[data-testid=nav-menu] a[href='/tuning']").ClickAsync();
            await page.WaitForURLAsync(url => url.EndsWith("/tuning", StringComparison.Ordinal));
        });
    }

    [BrowserFact]
    public async Task Explorer_TraceProbe_LegendMarkersNarrationAndTopK()
    {
        var app = await gallery.BrowserAsync();
        var page = await app.NewPageAsync();

        await BrowserApp.RunAsync(page, nameof(Explorer_TraceProbe_LegendMarkersNarrationAndTopK), async () =>
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, gallery.HeldBack[2].Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Explorer" }).ClickAsync();

            // your photo and the entry point are on the map before any trace, with a legend
            await Assertions.Expect(page.Locator("[data-testid=probe-marker]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=entry-marker]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=trace-legend]")).ToContainTextAsync("your photo (same PCA)");

            await page.Locator("[data-testid=trace-button]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=trace-legend]")).ToContainTextAsync("final top k");
            var narration = page.Locator("[data-testid=trace-narration]");
            await page.Locator("[data-testid=trace-step]").ClickAsync();
            await Assertions.Expect(narration).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*layer \d+: start at the entry point, "));
            var seen = new List<string> { (await narration.TextContentAsync())!.Trim() };
            for (var i = 0; i < 2; i++)
            {
                await page.Locator("[data-testid=trace-step]").ClickAsync();
                await Assertions.Expect(narration).Not.ToHaveTextAsync(seen[^1]); // every step says what it did
                seen.Add((await narration.TextContentAsync())!.Trim());
            }
            Assert.All(seen, n => Assert.Matches(@"^layer \d+: ", n));
            await Assertions.Expect(page.Locator("[data-testid=path-node], [data-testid=candidate-node]").First).ToBeVisibleAsync();
            Assert.True(await page.Locator("[data-testid=graph-node]").CountAsync() >= 1);

            // Play runs the rest in a few seconds and ends on the top k, highlighted
            var play = Stopwatch.StartNew();
            await page.Locator("[data-testid=trace-play]").ClickAsync();
            await Assertions.Expect(narration).ToContainTextAsync("done:", new() { Timeout = 60_000 });
            play.Stop();
            Assert.True(play.Elapsed < TimeSpan.FromSeconds(15), $"Play took {play.Elapsed}");
            await Assertions.Expect(page.Locator("[data-testid=result-node]")).ToHaveCountAsync(10);
            await Assertions.Expect(page.Locator("[data-testid=visited-node]").First).ToBeAttachedAsync();
            Assert.True(await page.Locator("[data-testid=narration-line]").CountAsync() >= 3);

            // a result's details: its thumbnail, its distance to your photo, and its neighbours with theirs
            await page.Locator("[data-testid=result-chip]").First.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=node-details]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=node-probe-distance]")).ToContainTextAsync("from your photo");
            await Assertions.Expect(page.Locator("[data-testid=neighbour-row] img").First).ToBeVisibleAsync();
            await BrowserApp.DocScreenshotAsync(page, "explorer.png");
        });
    }

    [BrowserFact]
    public async Task GalleryBrowser_RenameShowsOnTheHomeCard_DeleteTakesThePersonOut()
    {
        var app = await gallery.BrowserAsync();
        using var data = gallery.CopyDataDirectory(); // a private gallery: the shared one stays as the other tests expect it
        using var factory = new LookalikeAppFactory(data.Path);
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        var url = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var context = await app.Browser.NewContextAsync(new() { BaseURL = url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var probe = gallery.HeldBack[0];
        const string NewName = "Browser Renamed";

        async Task ChoosePersonAsync(string name)
        {
            await page.GotoAsync("/gallery");
            await page.Locator("[data-testid=gallery-browser][data-interactive=true]").WaitForAsync();
            var search = page.Locator("input[data-testid=people-search], [data-testid=people-search] input").First;
            await search.FillAsync(name);
            var row = page.Locator($"[data-testid=person-row][data-person=\"{name}\"]");
            await Assertions.Expect(page.Locator("[data-testid=person-row]")).ToHaveCountAsync(1);
            await row.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=person-detail-name]")).ToHaveTextAsync(name);
        }

        async Task ConfirmAsync(string button)
        {
            var dialog = page.Locator(".mud-dialog");
            await dialog.WaitForAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();
        }

        async Task<string[]> HomeCardNamesAsync()
        {
            await OpenHomeAsync(page);
            await UploadAsync(page, probe.Path);
            await page.Locator("[data-testid=match-card]").First.WaitForAsync();
            return await page.Locator("[data-testid=match-card]").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.person)");
        }

        await BrowserApp.RunAsync(page, nameof(GalleryBrowser_RenameShowsOnTheHomeCard_DeleteTakesThePersonOut), async () =>
        {
            await BrowserApp.SignInAsync(page, factory.Services);
            Assert.Equal(probe.Person, (await HomeCardNamesAsync())[0]);

            // rename, confirmed in the dialog; the home page's next result card carries the new name (no restart)
            await ChoosePersonAsync(probe.Person);
            Assert.True(await page.Locator("[data-testid=person-photo]").CountAsync() >= 2);
            var rename = page.Locator("input[data-testid=rename-input], [data-testid=rename-input] input").First;
            await rename.FillAsync(NewName);
            await page.Locator("[data-testid=rename-submit]").ClickAsync();
            await ConfirmAsync("Rename");
            await Assertions.Expect(page.Locator("[data-testid=curation-message]")).ToContainTextAsync("Renamed to " + NewName);
            await Assertions.Expect(page.Locator("[data-testid=person-detail-name]")).ToHaveTextAsync(NewName);
            Assert.Equal(NewName, (await HomeCardNamesAsync())[0]);

            // a cancelled delete changes nothing; a confirmed one takes the person out of the results
            await ChoosePersonAsync(NewName);
            await page.Locator("[data-testid=delete-person]").ClickAsync();
            await ConfirmAsync("Cancel");
            await Assertions.Expect(page.Locator("[data-testid=person-detail-name]")).ToHaveTextAsync(NewName);
            await page.Locator("[data-testid=delete-person]").ClickAsync();
            await ConfirmAsync("Delete");
            await Assertions.Expect(page.Locator("[data-testid=curation-message]")).ToContainTextAsync("Deleted " + NewName);
            await Assertions.Expect(page.Locator($"[data-testid=person-row][data-person=\"{NewName}\"]")).ToHaveCountAsync(0);

            var names = await HomeCardNamesAsync();
            Assert.DoesNotContain(NewName, names);
            Assert.DoesNotContain(probe.Person, names);
        });
        await context.DisposeAsync();
    }
}
