using Lookalike.Gallery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lookalike.Tests.Gallery;

/// <summary>How <c>Lookalike:Index</c> is read: the current key, the key it had before, and the bounds.</summary>
public sealed class GalleryOptionsTests
{
    private static LookalikeOptions Read(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        using var provider = new ServiceCollection().AddLookalikeGalleryServices(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LookalikeOptions>>().Value;
    }

    [Fact]
    public void DefaultEfSearch_IsRead()
    {
        Assert.Equal(120, Read(("Lookalike:Index:DefaultEfSearch", "120")).Index.DefaultEfSearch);
    }

    [Fact]
    public void LegacyEfSearchKey_IsStillHonoured()
    {
        Assert.Equal(90, Read(("Lookalike:Index:EfSearch", "90")).Index.DefaultEfSearch);
    }

    [Fact]
    public void NewKey_WinsOverLegacyKey()
    {
        Assert.Equal(120, Read(("Lookalike:Index:EfSearch", "90"), ("Lookalike:Index:DefaultEfSearch", "120")).Index.DefaultEfSearch);
    }

    [Fact]
    public void NoKey_GivesTheIndexDefault()
    {
        Assert.Equal(64, Read().Index.DefaultEfSearch);
    }

    [Fact]
    public void DefaultEfSearch_AboveTheStoredBound_IsRefusedWithTheBound()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(("Lookalike:Index:EfSearch", "2001")));
        Assert.Contains("DefaultEfSearch 1–2000", error.Message);
    }

    [Fact]
    public void RequestBound_IsTheIndexBound()
    {
        Assert.Equal(Lookalike.Index.HnswOptions.MaxEfSearch, GalleryLimits.MaxEfSearch);
        Assert.Equal(10_000, GalleryLimits.MaxEfSearch);
    }
}
