using Lookalike.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lookalike.Tests.Gallery;

/// <summary>The gallery services (store, pipeline, index host, importer, matcher) over a given data directory, as the CLI builds them.</summary>
public static class GalleryServices
{
    public static ServiceProvider Create(string dataDirectory, int embedBatchSize = 32, ILoggerProvider? logger = null, string? model = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lookalike:DataDirectory"] = dataDirectory,
                ["Lookalike:EmbedBatchSize"] = embedBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Lookalike:Faces:ModelDirectory"] = Infrastructure.TestPaths.Models,
            })
            .AddInMemoryCollection(model is null ? [] : [new("Lookalike:Faces:Model", model)])
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logger is not null)
            {
                b.AddProvider(logger);
            }
        });
        services.AddLookalikeGallery(configuration);
        return services.BuildServiceProvider();
    }
}
