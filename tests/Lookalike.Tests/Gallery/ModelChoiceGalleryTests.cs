using System.Net.Http.Json;
using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Tests.Infrastructure;
using Lookalike.Tests.Web;
using Lookalike.Web.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lookalike.Tests.Gallery;

/// <summary><c>Lookalike:Faces:Model</c> through the gallery: staleness across models, refusal of unknown values, the API's answer.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class ModelChoiceGalleryTests(LfwGalleryFixture gallery)
{
    [SharedDataTheory("data/lfw")]
    [InlineData("mobilefacenet")]
    [InlineData("fused")]
    public async Task Start_StoreMadeWithDlibOpenedWithAnotherModel_IsStaleAndServesNothing(string model)
    {
        // Arrange: the shared slice was imported with the default model (dlib)
        using var data = gallery.CopyDataDirectory();
        using var services = GalleryServices.Create(data.Path, model: model);
        var host = services.GetRequiredService<LiveGallery>();

        // Act
        await host.EnsureReadyAsync();

        // Assert
        Assert.Equal(model, services.GetRequiredService<IDescriptorModel>().Choice);
        Assert.Equal(0, host.Current.Count);
        Assert.NotNull(host.Status.StaleModelMessage);
        Assert.Contains("re-import", host.Status.StaleModelMessage, StringComparison.Ordinal);
        Assert.Equal(0, services.GetRequiredService<StoreSync>().SyncWithStore());
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_StoreMadeWithDlibOpenedWithDlib_IsNotStale()
    {
        using var data = gallery.CopyDataDirectory();
        using var services = GalleryServices.Create(data.Path, model: "dlib");
        var host = services.GetRequiredService<LiveGallery>();

        await host.EnsureReadyAsync();

        Assert.Null(host.Status.StaleModelMessage);
        Assert.Equal(gallery.Summary!.Imported, host.Current.Count);
    }

    [Theory]
    [InlineData("arcface")]
    [InlineData("DLIB")]
    public void Options_UnknownModel_RefusedAtStartNamingTheAllowedValues(string model)
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path, model: model);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<FaceOptions>>().Value);

        Assert.Contains("Lookalike:Faces:Model must be 'dlib', 'mobilefacenet' or 'fused'.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "dlib", 128)]
    [InlineData("mobilefacenet", "mobilefacenet", 192)]
    [InlineData("fused", "fused", 320)]
    public async Task GetStats_ConfiguredModel_ReportsTheActiveModel(string? configured, string expected, int dimension)
    {
        using var factory = new LookalikeAppFactory { Settings = configured is null ? new Dictionary<string, string?>() : new Dictionary<string, string?> { ["Lookalike:Faces:Model"] = configured } };
        using var client = factory.CreateClient();

        var stats = await client.GetFromJsonAsync<StatsDto>(new Uri("/api/stats", UriKind.Relative));

        Assert.Equal(expected, stats!.ActiveModel);
        Assert.Equal(dimension, stats.ActiveDimension);
        Assert.Equal(DescriptorIdentity.Of(factory.Services.GetRequiredService<FacePipeline>()).Name, stats.ActiveModelName);
    }
}
