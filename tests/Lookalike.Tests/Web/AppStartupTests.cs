using System.Net;

namespace Lookalike.Tests.Web;

public sealed class AppStartupTests : IClassFixture<LookalikeAppFactory>
{
    private readonly LookalikeAppFactory _factory;

    public AppStartupTests(LookalikeAppFactory factory) => _factory = factory;

    [Fact]
    public async Task Get_Root_ServesHomePage()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Lookalike", html, StringComparison.Ordinal);
        Assert.Contains("_framework/blazor.web", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Healthz_ReturnsOk()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
