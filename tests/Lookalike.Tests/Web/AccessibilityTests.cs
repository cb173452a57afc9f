using System.Text.Json;
using Lookalike.Tests.Gallery;
using Microsoft.Playwright;

namespace Lookalike.Tests.Web;

/// <summary>
/// axe-core (4.11, fetched at build: see the test project) on every page, light and dark, anonymous and admin: no
/// violation of impact "serious" or "critical" against WCAG 2 A/AA rules. The home page is checked with results shown.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class AccessibilityTests(LfwGalleryFixture gallery)
{
    private static readonly string AxeScript = Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js");

    [BrowserFact]
    public async Task EveryPage_LightAndDark_NoSeriousOrCriticalViolations()
    {
        var app = await gallery.BrowserAsync();
        var problems = new List<string>();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseUrl, ColorScheme = scheme, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            await BrowserApp.RunAsync(page, nameof(EveryPage_LightAndDark_NoSeriousOrCriticalViolations) + "-" + scheme, async () =>
            {
                await page.GotoAsync("/");
                await page.Locator("[data-interactive=true]").WaitForAsync();
                await page.Locator("input[data-testid=upload]").SetInputFilesAsync(gallery.HeldBack[0].Path);
                await page.Locator("[data-testid=match-card]").First.WaitForAsync();
                await page.GetByText("Advanced:").ClickAsync();
                await page.Locator("[data-testid=timings-strip]").WaitForAsync();
                await CheckAsync(page, $"/ ({scheme}, with results)", problems);

                var person = await page.Locator("[data-testid=match-name]").First.GetAttributeAsync("href");
                foreach (var path in new[] { person!, "/explorer", "/tuning", "/signin", "/no-such-page" })
                {
                    await page.GotoAsync(path);
                    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    await CheckAsync(page, $"{path} ({scheme})", problems);
                }

                await BrowserApp.SignInAsync(page, app.Factory.Services);
                foreach (var path in new[] { "/gallery", "/tuning" })
                {
                    await page.GotoAsync(path);
                    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    await CheckAsync(page, $"{path} ({scheme}, admin)", problems);
                }
            });
            await context.CloseAsync();
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static async Task CheckAsync(IPage page, string where, List<string> problems)
    {
        await page.WaitForTimeoutAsync(300);
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxeScript });
        }
        var json = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations" +
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')" +
            ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\\s+/g, ' ').slice(0, 160) + ']' : '')).join(' | '))");
        foreach (var v in json.EnumerateArray())
        {
            problems.Add($"{where}: {v.GetString()}");
        }
    }
}
