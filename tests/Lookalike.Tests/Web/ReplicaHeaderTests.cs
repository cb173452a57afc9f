using Lookalike.Web.Api;
using Microsoft.AspNetCore.Hosting;

namespace Lookalike.Tests.Web;

/// <summary><c>X-Lookalike-Replica</c>: sent only when <c>Lookalike:ReplicaName</c> is set (README "Scale out").</summary>
public sealed class ReplicaHeaderTests
{
    [Fact]
    public async Task ReplicaName_Set_EveryResponseNamesTheReplica_UnsetNoHeader()
    {
        await using var plain = new LookalikeAppFactory();
        var response = await plain.CreateClient().GetAsync("/healthz/live");
        Assert.False(response.Headers.Contains(ReplicaHeader.HeaderName), "a replica name was sent without Lookalike:ReplicaName");

        await using var named = new LookalikeAppFactory();
        var client = named.WithWebHostBuilder(b => b.UseSetting(ReplicaHeader.ConfigurationKey, "web-2")).CreateClient();
        foreach (var path in new[] { "/healthz/live", "/api/stats", "/no-such-page" })
        {
            var answer = await client.GetAsync(path);
            Assert.True(answer.Headers.TryGetValues(ReplicaHeader.HeaderName, out var values), $"{path}: no {ReplicaHeader.HeaderName}");
            Assert.Equal(["web-2"], values);
        }
    }

    [Fact]
    public async Task ReplicaName_NotPrintableAscii_StartIsRefusedNamingTheKey()
    {
        await using var factory = new LookalikeAppFactory();
        var bad = factory.WithWebHostBuilder(b => b.UseSetting(ReplicaHeader.ConfigurationKey, "web\n2"));
        var error = Assert.ThrowsAny<Exception>(() => bad.CreateClient());
        Assert.Contains(ReplicaHeader.ConfigurationKey, error.ToString(), StringComparison.Ordinal);
    }
}
