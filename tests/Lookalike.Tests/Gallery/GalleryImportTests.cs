using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lookalike.Tests.Gallery;

/// <summary>Imports through the real face pipeline and index (needs shared/data and the models).</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class GalleryImportTests(LfwGalleryFixture gallery)
{
    [SharedDataFact("data/lfw")]
    public void Import_LfwSlice_EveryPhotoImportedOrSkippedWithReason()
    {
        var summary = gallery.Summary!;

        Assert.False(summary.Cancelled);
        Assert.Equal(summary.Total, summary.Imported + summary.Skipped);
        Assert.True(summary.Imported >= summary.Total * 0.95, $"only {summary.Imported} of {summary.Total} imported");
        Assert.All(summary.SkippedFiles, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
    }

    [SharedDataFact("data/lfw")]
    public async Task Search_HeldBackPhoto_ThatPersonIsRankOne()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        await services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        var matcher = services.GetRequiredService<MatchService>();

        var hits = 0;
        foreach (var probe in gallery.HeldBack)
        {
            var analysis = matcher.Analyze(await File.ReadAllBytesAsync(probe.Path));
            if (analysis.Faces.Count > 0 && matcher.Search(analysis.Faces[0].Descriptor, 5).Matches.FirstOrDefault()?.Person == probe.Person)
            {
                hits++;
            }
        }

        // The first probe is asserted exactly; over all probes the pipeline's accuracy allows a few misses.
        var first = gallery.HeldBack[0];
        var firstAnalysis = matcher.Analyze(await File.ReadAllBytesAsync(first.Path));
        Assert.Equal(first.Person, matcher.Search(firstAnalysis.Faces[0].Descriptor, 5).Matches[0].Person);
        Assert.True(hits >= gallery.HeldBack.Count * 0.8, $"rank-1 for {hits} of {gallery.HeldBack.Count} held-back photos");
    }

    [SharedDataFact("data/lfw")]
    public async Task Restart_StoreUnchanged_IndexLoadedNotRebuilt()
    {
        using var logs = new CollectingLoggerProvider();
        using var services = GalleryServices.Create(gallery.DataDirectory, logger: logs);
        var host = services.GetRequiredService<LiveGallery>();

        await host.EnsureReadyAsync();

        Assert.Equal((1, 0), (host.Status.Loads, host.Status.Rebuilds));
        Assert.True(host.Current.LoadedFromFile);
        Assert.Equal(gallery.Summary!.Imported, host.Current.Count);
        Assert.Contains(logs.Events, e => e.Id == LiveGallery.IndexLoadedEvent.Id);
    }

    [SharedDataFact("data/lfw")]
    public async Task Restart_IndexFileCorrupted_RebuiltFromStore()
    {
        using var copy = new TempDirectory();
        foreach (var file in Directory.GetFiles(gallery.DataDirectory))
        {
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        }
        var indexFile = Path.Combine(copy.Path, "gallery.hnsw");
        var bytes = await File.ReadAllBytesAsync(indexFile);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(indexFile, bytes);
        using var services = GalleryServices.Create(copy.Path);
        var host = services.GetRequiredService<LiveGallery>();

        await host.EnsureReadyAsync();

        Assert.Equal((0, 1), (host.Status.Loads, host.Status.Rebuilds));
        Assert.Equal(gallery.Summary!.Imported, host.Current.Count);
    }

    [SharedDataFact("data/lfw")]
    public async Task Import_CancelledMidway_ReImportAddsOnlyTheRest()
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path, embedBatchSize: 4);
        var importer = services.GetRequiredService<GalleryImporter>();
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Imported >= 8)
            {
                cancel.Cancel();
            }
        });

        var first = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw, progress, cancel.Token);
        var second = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw);
        var third = await importer.ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw);

        Assert.True(first.Cancelled);
        Assert.InRange(first.Imported, 8, gallery.Summary!.Imported - 1);
        Assert.Equal(first.Imported + first.Skipped, second.AlreadyStored);
        Assert.Equal(gallery.Summary.Imported, first.Imported + second.Imported);
        Assert.Equal((0, 0), (third.Imported, third.Skipped));
        Assert.Equal(gallery.Summary.Imported, services.GetRequiredService<LiveGallery>().Current.Count);
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public async Task Import_B17LfwTree_FiveImportedAndEveryOtherFileSkippedWithReason()
    {
        using var tree = new TempDirectory();
        ImportSourcesTests.CopyTree(Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style"), tree.Path);
        Directory.CreateDirectory(Path.Combine(tree.Path, "Person_C"));
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        var importer = services.GetRequiredService<GalleryImporter>();

        var summary = await importer.ImportAsync(tree.Path, ImportFormat.Lfw);
        var again = await importer.ImportAsync(tree.Path, ImportFormat.Lfw);

        string Reason(string name) => summary.SkippedFiles.Single(f => f.SourcePath.EndsWith(name, StringComparison.Ordinal)).Reason;
        Assert.Equal(5, summary.Imported);
        Assert.Equal(ImportSources.HiddenReason, Reason(".DS_Store"));
        Assert.Equal(ImportSources.HiddenReason, Reason("Thumbs.db"));
        Assert.Equal(ImportSources.HiddenReason, Reason("._Person_A_0001.jpg"));
        Assert.StartsWith("not an image", Reason("README.txt"), StringComparison.Ordinal);
        Assert.StartsWith("empty file", Reason("Person_B_0002.jpg"), StringComparison.Ordinal);
        Assert.StartsWith("not an image", Reason("Person_B_0003.jpg"), StringComparison.Ordinal);
        Assert.StartsWith("no images", Reason("Person_C"), StringComparison.Ordinal);
        Assert.Equal(summary.Total, summary.Imported + summary.Skipped);
        Assert.Equal((0, 0, summary.Total), (again.Imported, again.Skipped, again.AlreadyStored));
        var people = services.GetRequiredService<LiveGallery>().Current.Faces.Values.Select(f => f.Person).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["Person A", "Person B"], people);
    }

    [SharedDataFact("bugs/inputs/b17_gallery_celeba_style")]
    public async Task Import_B17CelebAList_TwoImportedAndListProblemsReported()
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        var importer = services.GetRequiredService<GalleryImporter>();

        var summary = await importer.ImportAsync(Path.Combine(TestPaths.BugInputs, "b17_gallery_celeba_style"), ImportFormat.CelebA);
        var again = await importer.ImportAsync(Path.Combine(TestPaths.BugInputs, "b17_gallery_celeba_style"), ImportFormat.CelebA);

        Assert.Equal(2, summary.Imported);
        Assert.Contains(summary.SkippedFiles, f => f.SourcePath.EndsWith("000003.jpg", StringComparison.Ordinal) && f.Reason.StartsWith("file not found", StringComparison.Ordinal));
        Assert.Equal(2, summary.SkippedFiles.Count(f => f.Reason.StartsWith("bad line", StringComparison.Ordinal)));
        Assert.Single(summary.SkippedFiles, f => f.Reason.StartsWith("conflicting identity", StringComparison.Ordinal));
        Assert.Equal(0, again.Imported + again.Skipped);
    }

    [SharedDataFact("data/celeba")]
    public async Task Import_CelebASample_EveryPhotoAccountedFor()
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        var importer = services.GetRequiredService<GalleryImporter>();

        var summary = await importer.ImportAsync(Path.Combine(TestPaths.SharedData, "celeba"), ImportFormat.Auto);
        var stats = services.GetRequiredService<IGalleryStore>().GetStats();

        Assert.Equal(800, summary.Total);
        Assert.Equal(800, summary.Imported + summary.Skipped);
        Assert.Equal(800, stats.Photos);
        Assert.True(summary.Imported >= 700, $"only {summary.Imported} of 800 imported");
        Assert.All(summary.SkippedFiles, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
        Assert.True(summary.FacesFound >= summary.Imported);
        Assert.All(services.GetRequiredService<LiveGallery>().Current.Faces.Values, f => Assert.StartsWith("CelebA #", f.Person, StringComparison.Ordinal));
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SyncProgress(Action<ImportProgress> callback) : IProgress<ImportProgress>
{
    public void Report(ImportProgress value) => callback(value);
}

/// <summary>Collects log events (id and message) for assertions.</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<(int Id, string Message)> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this);

    public void Dispose()
    {
    }

    private sealed class Collector(CollectingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Events.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
