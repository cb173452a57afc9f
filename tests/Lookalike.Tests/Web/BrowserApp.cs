using System.Net;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lookalike.Tests.Web;

/// <summary>
/// The app served by Kestrel on a free loopback port (through <see cref="LookalikeAppFactory"/>) and Debian's Chromium
/// driven by Playwright. Screenshots of failures go to <c>TestResults/playwright</c>.
/// </summary>
public sealed class BrowserApp : IAsyncDisposable
{
    /// <summary>Chromium flags for a quiet headless run in a container.</summary>
    public static readonly string[] HeadlessArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

    public const string ChromiumPath = "/usr/bin/chromium";

    private BrowserApp(LookalikeAppFactory factory, string baseUrl, IPlaywright playwright, IBrowser browser)
    {
        Factory = factory;
        BaseUrl = baseUrl;
        Playwright = playwright;
        Browser = browser;
    }

    public LookalikeAppFactory Factory { get; }

    public string BaseUrl { get; }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(TestPaths.RepoRoot, "tests", "Lookalike.Tests", "TestResults", "playwright")).FullName;

    /// <summary>True when the browser tests can run here (Chromium installed).</summary>
    public static bool Available => File.Exists(ChromiumPath);

    public static async Task<BrowserApp> StartAsync(string dataDirectory)
    {
        var factory = new LookalikeAppFactory(dataDirectory);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var baseUrl = addresses.First().TrimEnd('/');
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await LaunchAsync(playwright, []);
        return new BrowserApp(factory, baseUrl, playwright, browser);
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, IEnumerable<string> extraArgs)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = [.. HeadlessArgs, .. extraArgs],
        });
    }

    /// <summary>A fresh page (own context) with a 1280×900 viewport.</summary>
    public async Task<IPage> NewPageAsync(IBrowser? browser = null)
    {
        var context = await (browser ?? Browser).NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>The admin password the browser tests set (long enough for <see cref="Lookalike.Web.Security.AdminCredentials.MinPasswordLength"/>).</summary>
    public const string AdminPassword = "browser-test-admin-password";

    /// <summary>
    /// Sets the admin password on <paramref name="services"/>' store (if none is set) and signs <paramref name="page"/> in
    /// through the /signin form, as a person would; the cookie then lasts for the page's context.
    /// </summary>
    public static async Task SignInAsync(IPage page, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(services);
        var credentials = services.GetRequiredService<Lookalike.Web.Security.AdminCredentials>();
        if (!credentials.VerifyPassword(AdminPassword))
        {
            credentials.SetPassword(AdminPassword);
        }

        await page.GotoAsync("/signin");
        await page.Locator("[data-testid=signin-password]").FillAsync(AdminPassword);
        await page.Locator("[data-testid=signin-submit]").ClickAsync();
        await page.Locator("[data-testid=signed-in], [data-testid=nav-gallery]").First.WaitForAsync();
    }

    /// <summary>Runs a browser test body; on failure saves a screenshot named after the test, then rethrows.</summary>
    public static async Task RunAsync(IPage page, string name, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body();
        }
        catch
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory, name + ".failure.png"), FullPage = true });
            throw;
        }
    }

    /// <summary>Saves a documentation screenshot to docs/ when LOOKALIKE_UPDATE_SCREENSHOTS=1, else to the artifacts folder.</summary>
    public static Task DocScreenshotAsync(IPage page, string fileName)
    {
        ArgumentNullException.ThrowIfNull(page);
        var update = Environment.GetEnvironmentVariable("LOOKALIKE_UPDATE_SCREENSHOTS") == "1";
        var folder = update ? Directory.CreateDirectory(Path.Combine(TestPaths.RepoRoot, "docs")).FullName : ArtifactsDirectory;
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, fileName), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await Factory.DisposeAsync();
    }
}
