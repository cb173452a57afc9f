using System.Diagnostics;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>A real kill of the import process: the store still opens, and a re-import embeds only the rest.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class ImportKillTests(LfwGalleryFixture gallery)
{
    [SharedDataFact("data/lfw")]
    public async Task Import_ProcessKilledMidway_StoreOpensAndReImportAddsOnlyTheRest()
    {
        using var data = new TempDirectory();
        var dll = typeof(Lookalike.Web.Cli.CliApp).Assembly.Location; // the app (its import verb)
        var start = new ProcessStartInfo("dotnet", [dll, "import", gallery.SliceDirectory, "--format", "lfw", "--data", data.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start)!)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline && !process.HasExited && StoredFaces(data.Path) < 20)
            {
                await Task.Delay(100);
            }
            Assert.False(process.HasExited, "the import finished before it could be killed");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        var storedAtKill = StoredFaces(data.Path);

        using var services = GalleryServices.Create(data.Path);
        var summary = await services.GetRequiredService<GalleryImporter>().ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw);
        var host = services.GetRequiredService<LiveGallery>();

        Assert.InRange(storedAtKill, 20, gallery.Summary!.Imported - 1);
        Assert.Equal(gallery.Summary.Imported, storedAtKill + summary.Imported);
        Assert.Equal(gallery.Summary.Imported, host.Current.Count);
        Assert.Equal(gallery.Summary.Imported, new SqliteGalleryStore(data.Path).GetFaceFingerprint().Count);
    }

    private static int StoredFaces(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "gallery.db")))
        {
            return 0;
        }
        try
        {
            return new SqliteGalleryStore(dataDirectory).GetFaceFingerprint().Count;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0;
        }
    }
}
