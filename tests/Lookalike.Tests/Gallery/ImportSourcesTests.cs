using System.IO.Compression;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;

namespace Lookalike.Tests.Gallery;

public sealed class ImportSourcesTests
{
    private static string B17Lfw => Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style");

    private static string B17CelebA => Path.Combine(TestPaths.BugInputs, "b17_gallery_celeba_style");

    [Theory]
    [InlineData("George_W_Bush", "George W Bush")]
    [InlineData("Inam-ul-Haq", "Inam-ul-Haq")]
    [InlineData("Ada__Lovelace ", "Ada Lovelace")]
    public void PersonFromFolder_UnderscoreName_ReturnsSpacedName(string folder, string expected)
    {
        Assert.Equal(expected, ImportSources.PersonFromFolder(folder));
    }

    [Theory]
    [InlineData("Ada_Lovelace_0002.jpg", "Ada Lovelace")]
    [InlineData("Grace Hopper (3).png", "Grace Hopper")]
    [InlineData("Marie-Curie-12.jpeg", "Marie Curie")]
    [InlineData("000123.jpg", "000123")]
    public void PersonFromLooseFile_TrailingDigits_AreDropped(string file, string expected)
    {
        Assert.Equal(expected, ImportSources.PersonFromLooseFile(file));
    }

    [Theory]
    [InlineData(".DS_Store", true)]
    [InlineData("Person_A/Thumbs.db", true)]
    [InlineData("__MACOSX/Person_A/._Person_A_0001.jpg", true)]
    [InlineData("Person_A/desktop.ini", true)]
    [InlineData("Person_A/Person_A_0001.jpg", false)]
    [InlineData("README.txt", false)]
    public void IsHidden_SystemDebris_IsRecognised(string path, bool expected)
    {
        Assert.Equal(expected, ImportSources.IsHidden(path));
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public void Enumerate_B17LfwTree_HiddenFilesPreSkippedAndPeopleFromFolders()
    {
        using var copy = new TempDirectory();
        CopyTree(B17Lfw, copy.Path);
        Directory.CreateDirectory(Path.Combine(copy.Path, "Person_C"));

        var entries = ImportSources.Enumerate(copy.Path, ImportFormat.Lfw);

        var hidden = entries.Where(e => e.PreSkipReason == ImportSources.HiddenReason).Select(e => Path.GetFileName(e.SourcePath)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".DS_Store", "._Person_A_0001.jpg", "Thumbs.db"], hidden);
        Assert.Contains(entries, e => e.SourcePath.EndsWith("Person_C", StringComparison.Ordinal) && e.PreSkipReason!.StartsWith("no images", StringComparison.Ordinal));
        var readable = entries.Where(e => e.Read is not null).ToList();
        Assert.Equal(4, readable.Count(e => e.Person == "Person A"));
        Assert.Equal(3, readable.Count(e => e.Person == "Person B"));
        Assert.Contains(readable, e => e.SourcePath.EndsWith("README.txt", StringComparison.Ordinal));
    }

    [SharedDataFact("bugs/inputs/b17_gallery_celeba_style")]
    public void Enumerate_B17CelebAList_BadLinesMissingFileAndConflictAreReported()
    {
        var entries = ImportSources.Enumerate(B17CelebA, ImportFormat.Auto);

        var readable = entries.Where(e => e.Read is not null).ToList();
        Assert.Equal(2, readable.Count);
        Assert.Contains(readable, e => e.SourcePath.EndsWith("000001.jpg", StringComparison.Ordinal) && e.Person == "CelebA #101");
        Assert.Contains(readable, e => e.SourcePath.EndsWith("000002.jpg", StringComparison.Ordinal) && e.Person == "CelebA #202");
        Assert.Contains(entries, e => e.SourcePath.EndsWith("000003.jpg", StringComparison.Ordinal) && e.PreSkipReason!.StartsWith("file not found", StringComparison.Ordinal));
        Assert.Equal(2, entries.Count(e => e.PreSkipReason?.StartsWith("bad line", StringComparison.Ordinal) == true));
        Assert.Single(entries, e => e.PreSkipReason?.StartsWith("conflicting identity", StringComparison.Ordinal) == true);
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public void Enumerate_ZipWithTopFolder_PeopleComeFromSubfolders()
    {
        using var temp = new TempDirectory();
        var zipPath = Path.Combine(temp.Path, "gallery.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            zip.CreateEntryFromFile(Path.Combine(B17Lfw, "Person_A", "Person_A_0001.jpg"), "gallery/Person_A/Person_A_0001.jpg");
            zip.CreateEntryFromFile(Path.Combine(B17Lfw, "Person_B", "Person_B_0001.jpg"), "gallery/Person_B/Person_B_0001.jpg");
            zip.CreateEntryFromFile(Path.Combine(B17Lfw, ".DS_Store"), "__MACOSX/gallery/._Person_B_0001.jpg");
        }

        var entries = ImportSources.Enumerate(zipPath, ImportFormat.Folder);

        Assert.Equal(["Person A", "Person B"], entries.Where(e => e.Read is not null).Select(e => e.Person!).Order(StringComparer.Ordinal));
        Assert.Single(entries, e => e.PreSkipReason == ImportSources.HiddenReason);
        Assert.True(entries.First(e => e.Read is not null).Read!().Length > 1000);
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public void Enumerate_ZipWithTopFolderAndALooseTextFile_PeopleStillComeFromSubfolders()
    {
        // Zip_Top/{Test_Alice,Test_Bob,Test_Carol}/*.jpg plus Zip_Top/notes.txt once imported as ONE person "Zip Top".
        using var temp = new TempDirectory();
        var zipPath = Path.Combine(temp.Path, "people.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            foreach (var person in new[] { "Test_Alice", "Test_Bob", "Test_Carol" })
            {
                zip.CreateEntryFromFile(Path.Combine(B17Lfw, "Person_A", "Person_A_0001.jpg"), $"Zip_Top/{person}/{person}_0001.jpg");
            }
            using var notes = new StreamWriter(zip.CreateEntry("Zip_Top/notes.txt").Open());
            notes.Write("collected for the tests");
        }

        var entries = ImportSources.Enumerate(zipPath, ImportFormat.Folder);

        var people = entries.Where(e => e.Read is not null && e.SourcePath.EndsWith(".jpg", StringComparison.Ordinal)).Select(e => e.Person!).Order(StringComparer.Ordinal);
        Assert.Equal(["Test Alice", "Test Bob", "Test Carol"], people);
        Assert.DoesNotContain(entries, e => e.Person == "Zip Top");
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public void Enumerate_ZipWithTopFolderHoldingALoosePhoto_TopFolderIsAPerson()
    {
        // a photo loose in the top folder means the top folder is itself a person's folder: nothing is stripped
        using var temp = new TempDirectory();
        var zipPath = Path.Combine(temp.Path, "people.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            zip.CreateEntryFromFile(Path.Combine(B17Lfw, "Person_A", "Person_A_0001.jpg"), "Jane_Doe/a.jpg");
            zip.CreateEntryFromFile(Path.Combine(B17Lfw, "Person_A", "Person_A_0001.jpg"), "Jane_Doe/more/b.jpg");
        }

        var entries = ImportSources.Enumerate(zipPath, ImportFormat.Folder);

        Assert.All(entries.Where(e => e.Read is not null), e => Assert.Equal("Jane Doe", e.Person));
    }

    [Fact]
    public void Enumerate_MissingPath_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => ImportSources.Enumerate("/nonexistent/gallery", ImportFormat.Auto));
    }

    internal static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Import_FolderWithFifo_FinishesAndSkipsItAsEmpty()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no FIFOs there
        }
        using var tree = new TempDirectory();
        var person = Directory.CreateDirectory(Path.Combine(tree.Path, "Person_A")).FullName;
        var fifo = Path.Combine(person, "Person_A_0001.jpg");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        using var data = new TempDirectory();
        using var services = GalleryServices.Create(data.Path);
        var importer = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<GalleryImporter>(services);

        var import = importer.ImportAsync(tree.Path, ImportFormat.Lfw);
        var finished = await Task.WhenAny(import, Task.Delay(TimeSpan.FromSeconds(30))) == import;
        if (!finished)
        {
            // release the reader blocked in open() so the test host can exit
            await using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }
        }

        Assert.True(finished, "the import hung on the FIFO");
        var summary = await import;
        Assert.Equal(0, summary.Imported);
        Assert.StartsWith("empty file", summary.SkippedFiles.Single(f => f.SourcePath.EndsWith("Person_A_0001.jpg", StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
    }
}
