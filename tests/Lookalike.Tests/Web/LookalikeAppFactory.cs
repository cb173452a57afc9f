using Lookalike.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Lookalike.Tests.Web;

/// <summary>The app hosted in memory over its own data directory (a fresh temp folder unless one is given).</summary>
public class LookalikeAppFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory? _owned;

    public LookalikeAppFactory()
        : this(null)
    {
    }

    internal LookalikeAppFactory(string? dataDirectory)
    {
        if (dataDirectory is null)
        {
            _owned = new TempDirectory("lookalike-app");
            dataDirectory = _owned.Path;
        }
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    /// <summary>Folders the web import may read (<c>Lookalike:ImportRoots</c>); none by default, as in production.</summary>
    public IReadOnlyList<string> ImportRoots { get; init; } = [];

    /// <summary>Further configuration keys (e.g. <c>Lookalike:Faces:Model</c>), applied after the defaults.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lookalike:DataDirectory"] = DataDirectory,
            ["Lookalike:Faces:ModelDirectory"] = TestPaths.Models,
        }.Concat(ImportRoots.Select((root, i) => new KeyValuePair<string, string?>($"Lookalike:ImportRoots:{i}", root))).Concat(Settings)));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _owned?.Dispose();
        }
    }
}
