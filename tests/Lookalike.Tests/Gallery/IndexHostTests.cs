using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Gallery;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>The index host over a copy of the imported LFW slice: rebuilds, parameter persistence, model changes.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class IndexHostTests(LfwGalleryFixture gallery)
{
    private TempDirectory CopyGallery()
    {
        var copy = new TempDirectory();
        foreach (var file in Directory.GetFiles(gallery.DataDirectory))
        {
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        }
        return copy;
    }

    [SharedDataFact("data/lfw")]
    public async Task Rebuild_NewParameters_SwappedInStoredAndLoadedNextStart()
    {
        using var data = CopyGallery();
        using (var services = GalleryServices.Create(data.Path))
        {
            var host = services.GetRequiredService<GalleryIndexHost>();
            await host.EnsureReadyAsync();
            var before = host.Current;
            var progress = new List<double>();

            await host.RebuildAsync(new IndexParameters { M = 8, EfConstruction = 100, EfSearch = 40 }, persistParameters: true, new SyncDoubleProgress(progress.Add));

            Assert.NotSame(before, host.Current);
            Assert.Equal((8, 100, before.Count), (host.Current.Parameters.M, host.Current.Parameters.EfConstruction, host.Current.Count));
            Assert.NotEmpty(progress);
        }
        using (var restarted = GalleryServices.Create(data.Path))
        {
            var host = restarted.GetRequiredService<GalleryIndexHost>();
            await host.EnsureReadyAsync();

            Assert.Equal((1, 0), (host.LoadCount, host.RebuildCount));
            Assert.Equal((8, 100, 40), (host.Current.Parameters.M, host.Current.Parameters.EfConstruction, host.Current.Parameters.EfSearch));
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task Rebuild_InvalidParameters_ThrowsAndKeepsIndex()
    {
        using var data = CopyGallery();
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<GalleryIndexHost>();
        await host.EnsureReadyAsync();
        var before = host.Current;

        await Assert.ThrowsAsync<ArgumentException>(() => host.RebuildAsync(new IndexParameters { M = 1 }, persistParameters: true));

        Assert.Same(before, host.Current);
        Assert.Null(new GalleryStore(data.Path).GetIndexParameters());
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_SidecarMissing_RebuiltFromStoreWithoutReembedding()
    {
        using var data = CopyGallery();
        File.Delete(Path.Combine(data.Path, "gallery.hnsw.json"));
        File.WriteAllText(Path.Combine(data.Path, "gallery.hnsw.tmp"), "half-written");
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<GalleryIndexHost>();

        await host.EnsureReadyAsync();

        Assert.Equal((0, 1), (host.LoadCount, host.RebuildCount));
        Assert.Equal(gallery.Summary!.Imported, host.Current.Count);
        Assert.True(File.Exists(Path.Combine(data.Path, "gallery.hnsw.json")));
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_StoreFromAnotherModel_ServesNothingAndSaysStale()
    {
        using var data = CopyGallery();
        new GalleryStore(data.Path).SetMeta(("model.sha256", "0000000000000000"));
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<GalleryIndexHost>();

        await host.EnsureReadyAsync();

        Assert.Equal(0, host.Current.Count);
        Assert.Contains("stale", host.StatusMessage, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task SyncWithStore_StoreFromAnotherModel_AddsNothingUntilTheModelMatches()
    {
        using var data = CopyGallery();
        var store = new GalleryStore(data.Path);
        var sha = store.GetModel()!.WeightsSha256;
        store.SetMeta(("model.sha256", "0000000000000000"));
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<GalleryIndexHost>();
        await host.EnsureReadyAsync();

        // The 3-second sync must not mix the stale descriptors into the live index.
        var added = host.SyncWithStore();

        Assert.Equal(0, added);
        Assert.Equal(0, host.Current.Count);
        Assert.Contains("stale", host.StaleModelMessage, StringComparison.Ordinal);
        Assert.Contains("stale", host.StatusMessage, StringComparison.Ordinal);

        // Once the store holds this model's descriptors again (a re-import by another process), the sync takes them.
        store.SetMeta(("model.sha256", sha));
        added = host.SyncWithStore();

        Assert.Equal(gallery.Summary!.Imported, added);
        Assert.Null(host.StaleModelMessage);
        Assert.DoesNotContain("stale", host.StatusMessage, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task Search_WhileRebuilding_NeverFails()
    {
        using var data = CopyGallery();
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<GalleryIndexHost>();
        await host.EnsureReadyAsync();
        var matcher = services.GetRequiredService<MatchService>();
        var (_, vectors) = new GalleryStore(data.Path).ReadAllEmbeddings(128);
        var query = vectors[..128];

        var rebuild = host.RebuildAsync(new IndexParameters { M = 12, EfConstruction = 80, EfSearch = 32 }, persistParameters: false);
        var searches = 0;
        while (!rebuild.IsCompleted)
        {
            var outcome = matcher.Search(query, 5);
            Assert.Equal(5, outcome.Matches.Count);
            Assert.All(outcome.Matches, m => Assert.InRange(m.Distance, 0f, 2f));
            searches++;
        }
        await rebuild;

        Assert.True(searches > 0);
        Assert.Equal(12, host.Current.Parameters.M);
    }
}

/// <summary>A synchronous <see cref="IProgress{T}"/> of double.</summary>
public sealed class SyncDoubleProgress(Action<double> callback) : IProgress<double>
{
    public void Report(double value) => callback(value);
}
