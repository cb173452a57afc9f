using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Lookalike.Web.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lookalike.Tests.Gallery;

public sealed class ImportJobsTests
{
    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public async Task TryStart_WhileRunning_RefusesSecondAndReportsSummary()
    {
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        using var jobs = new ImportJobs(services.GetRequiredService<GalleryImporter>(), NullLogger<ImportJobs>.Instance);
        var done = new TaskCompletionSource();
        jobs.Changed += () =>
        {
            if (!jobs.IsRunning && jobs.LastSummary is not null)
            {
                done.TrySetResult();
            }
        };
        var source = Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style");

        var first = jobs.TryStart(source, ImportFormat.Lfw);
        var second = jobs.TryStart(source, ImportFormat.Lfw);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(5, jobs.LastSummary!.Imported);
        Assert.Null(jobs.Error);
    }
    [Fact]
    public async Task TryStart_BrokenZipAfterAGoodImport_OnlyThisJobsErrorInPlainWords()
    {
        using var temp = new TempDirectory();
        using var services = GalleryServices.Create(Path.Combine(temp.Path, "data"));
        using var jobs = new ImportJobs(services.GetRequiredService<GalleryImporter>(), NullLogger<ImportJobs>.Instance);
        var folder = Directory.CreateDirectory(Path.Combine(temp.Path, "good", "Test_Alice")).FullName;
        File.Copy(Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style", "Person_A", "Person_A_0001.jpg"), Path.Combine(folder, "a.jpg"));
        var broken = Path.Combine(temp.Path, "broken.zip");
        await File.WriteAllBytesAsync(broken, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]); // a zip signature, then nothing

        await RunAsync(jobs, Path.Combine(temp.Path, "good"));
        Assert.NotNull(jobs.LastSummary);
        await RunAsync(jobs, broken);

        Assert.Null(jobs.LastSummary); // the earlier job's "Done" is not shown beside this job's error
        Assert.NotNull(jobs.Error);
        Assert.StartsWith("broken.zip is not a readable archive", jobs.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Central Directory", jobs.Error, StringComparison.Ordinal);
    }

    private static async Task RunAsync(ImportJobs jobs, string path)
    {
        var done = new TaskCompletionSource();
        void OnChanged()
        {
            if (!jobs.IsRunning)
            {
                done.TrySetResult();
            }
        }
        jobs.Changed += OnChanged;
        Assert.True(jobs.TryStart(path, ImportFormat.Auto));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        jobs.Changed -= OnChanged;
    }
}
