using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>A held-back LFW photo of a gallery person.</summary>
public sealed record HeldBackPhoto(string Person, string Path);

/// <summary>
/// One gallery imported once for all tests of the collection: a slice of <c>shared/data/lfw</c> (every 12th person with at
/// least 3 photos, up to 4 photos each); the last photo of every such person is held back as a probe.
/// </summary>
public sealed class LfwGalleryFixture : IAsyncLifetime
{
    private readonly TempDirectory _root = new("lookalike-lfw");

    public string DataDirectory => System.IO.Path.Combine(_root.Path, "data");

    public string SliceDirectory => System.IO.Path.Combine(_root.Path, "slice");

    public List<HeldBackPhoto> HeldBack { get; } = [];

    public ImportSummary? Summary { get; private set; }

    public bool Available { get; private set; }

    /// <summary>A private copy of the imported data directory (store, index file, sidecar) for a test that changes it.</summary>
    public TempDirectory CopyDataDirectory()
    {
        var copy = new TempDirectory();
        foreach (var file in Directory.GetFiles(DataDirectory))
        {
            File.Copy(file, System.IO.Path.Combine(copy.Path, System.IO.Path.GetFileName(file)));
        }
        return copy;
    }

    public async Task InitializeAsync()
    {
        var lfw = System.IO.Path.Combine(TestPaths.SharedData, "lfw");
        if (!Directory.Exists(lfw))
        {
            return;
        }
        Available = true;
        var people = Directory.GetDirectories(lfw).Order(StringComparer.Ordinal)
            .Select(d => (Dir: d, Files: Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).ToArray()))
            .Where(p => p.Files.Length >= 3)
            .Where((_, i) => i % 12 == 0)
            .ToList();
        foreach (var (dir, files) in people)
        {
            var name = System.IO.Path.GetFileName(dir);
            var target = Directory.CreateDirectory(System.IO.Path.Combine(SliceDirectory, name)).FullName;
            foreach (var file in files.Take(Math.Min(4, files.Length - 1)))
            {
                File.CreateSymbolicLink(System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)), file);
            }
            HeldBack.Add(new HeldBackPhoto(name.Replace('_', ' '), files[^1]));
        }
        using var services = GalleryServices.Create(DataDirectory);
        Summary = await services.GetRequiredService<GalleryImporter>().ImportAsync(SliceDirectory, ImportFormat.Lfw);
    }

    private Task<Web.BrowserApp>? _browser;

    /// <summary>The app over this gallery in Kestrel plus Chromium, started on first use and shared by the browser tests.</summary>
    public Task<Web.BrowserApp> BrowserAsync() => _browser ??= Web.BrowserApp.StartAsync(DataDirectory);

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            try
            {
                await (await _browser).DisposeAsync();
            }
            catch (Microsoft.Playwright.PlaywrightException)
            {
                // the browser never started
            }
        }
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class LfwGalleryCollection : ICollectionFixture<LfwGalleryFixture>
{
    public const string Name = "lfw-gallery";
}
