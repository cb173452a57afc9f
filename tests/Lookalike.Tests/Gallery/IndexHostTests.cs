using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>The live gallery (index) over a copy of the imported LFW slice: rebuilds, parameter persistence, model changes.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class IndexHostTests(LfwGalleryFixture gallery)
{
    private TempDirectory CopyGallery() => gallery.CopyDataDirectory();

    [SharedDataFact("data/lfw")]
    public async Task Rebuild_NewParameters_SwappedInStoredAndLoadedNextStart()
    {
        using var data = CopyGallery();
        using (var services = GalleryServices.Create(data.Path))
        {
            var host = services.GetRequiredService<LiveGallery>();
            await host.EnsureReadyAsync();
            var before = host.Current;
            var progress = new List<double>();

            await host.RebuildAsync(GalleryIndexParameters.Create(8, 100, 40), persistParameters: true, new SyncDoubleProgress(progress.Add));

            Assert.NotSame(before, host.Current);
            Assert.Equal((8, 100, before.Count), (host.Current.Parameters.M, host.Current.Parameters.EfConstruction, host.Current.Count));
            Assert.NotEmpty(progress);
        }
        using (var restarted = GalleryServices.Create(data.Path))
        {
            var host = restarted.GetRequiredService<LiveGallery>();
            await host.EnsureReadyAsync();

            Assert.Equal((1, 0), (host.Status.Loads, host.Status.Rebuilds));
            Assert.Equal((8, 100, 40), (host.Current.Parameters.M, host.Current.Parameters.EfConstruction, host.Current.Parameters.DefaultEfSearch));
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task Rebuild_InvalidParameters_ThrowsAndKeepsIndex()
    {
        using var data = CopyGallery();
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();
        await host.EnsureReadyAsync();
        var before = host.Current;

        await Assert.ThrowsAsync<ArgumentException>(() => host.RebuildAsync(GalleryIndexParameters.Create(1, 200, 64), persistParameters: true));

        Assert.Same(before, host.Current);
        Assert.Null(new SqliteGalleryStore(data.Path).GetIndexParameters());
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_SidecarMissing_RebuiltFromStoreWithoutReembedding()
    {
        using var data = CopyGallery();
        File.Delete(Path.Combine(data.Path, "gallery.hnsw.json"));
        File.WriteAllText(Path.Combine(data.Path, "gallery.hnsw.tmp"), "half-written");
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();

        await host.EnsureReadyAsync();

        Assert.Equal((0, 1), (host.Status.Loads, host.Status.Rebuilds));
        Assert.Equal(gallery.Summary!.Imported, host.Current.Count);
        Assert.True(File.Exists(Path.Combine(data.Path, "gallery.hnsw.json")));
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_StoreFromAnotherModel_ServesNothingAndSaysStale()
    {
        using var data = CopyGallery();
        new SqliteGalleryStore(data.Path).SetMeta(("model.sha256", "0000000000000000"));
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();

        await host.EnsureReadyAsync();

        Assert.Equal(0, host.Current.Count);
        Assert.Contains("stale", host.Status.Message, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task SyncWithStore_StoreFromAnotherModel_AddsNothingUntilTheModelMatches()
    {
        using var data = CopyGallery();
        var store = new SqliteGalleryStore(data.Path);
        var sha = store.GetModel()!.WeightsSha256;
        store.SetMeta(("model.sha256", "0000000000000000"));
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();
        await host.EnsureReadyAsync();

        // The 3-second sync must not mix the stale descriptors into the live index.
        var sync = services.GetRequiredService<StoreSync>();
        var added = sync.SyncWithStore();

        Assert.Equal(0, added);
        Assert.Equal(0, host.Current.Count);
        Assert.Contains("stale", host.Status.StaleModelMessage, StringComparison.Ordinal);
        Assert.Contains("stale", host.Status.Message, StringComparison.Ordinal);

        // Once the store holds this model's descriptors again (a re-import by another process), the sync takes them.
        store.SetMeta(("model.sha256", sha));
        added = sync.SyncWithStore();

        Assert.Equal(gallery.Summary!.Imported, added);
        Assert.Null(host.Status.StaleModelMessage);
        Assert.DoesNotContain("stale", host.Status.Message, StringComparison.Ordinal);
    }

    [SharedDataFact("data/lfw")]
    public async Task Search_WhileRebuilding_NeverFails()
    {
        using var data = CopyGallery();
        using var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();
        await host.EnsureReadyAsync();
        var matcher = services.GetRequiredService<MatchService>();
        var (_, vectors) = new SqliteGalleryStore(data.Path).ReadAllEmbeddings(128);
        var query = vectors[..128];

        var rebuild = host.RebuildAsync(GalleryIndexParameters.Create(12, 80, 32), persistParameters: false);
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
