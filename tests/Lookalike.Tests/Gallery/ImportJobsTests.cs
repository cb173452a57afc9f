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
}
