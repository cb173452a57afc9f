using System.Formats.Tar;
using System.IO.Compression;
using Lookalike.Gallery.Import;
using Lookalike.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>The tar reader of <see cref="ImportSources"/>: <c>.tgz</c>, <c>.tar.gz</c> and <c>.tar</c>, read as a stream.</summary>
public sealed class TarImportTests
{
    private const long MiB = 1024 * 1024;

    private static string B17Lfw => Path.Combine(TestPaths.BugInputs, "b17_gallery_lfw_style");

    /// <summary>One entry to write: a regular file (data), a folder, or a link/device (type and link target).</summary>
    internal sealed record Item(string Name, byte[]? Data = null, TarEntryType Type = TarEntryType.RegularFile, string? Link = null);

    /// <summary>Writes a pax tar of <paramref name="items"/>, gzip-compressed unless the name ends in <c>.tar</c>.</summary>
    internal static void WriteTar(string path, params Item[] items)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".tar", StringComparison.Ordinal) ? file : new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var item in items)
            {
                var entry = new PaxTarEntry(item.Type, item.Name);
                if (item.Link is not null)
                {
                    entry.LinkName = item.Link;
                }
                if (item.Data is not null)
                {
                    entry.DataStream = new MemoryStream(item.Data);
                }
                tar.WriteEntry(entry);
            }
        }
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Dictionary<string, ImportEntry> ByEntry(IEnumerable<ImportEntry> entries) =>
        entries.ToDictionary(e => e.SourcePath[(e.SourcePath.IndexOf('!', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    [Theory]
    [InlineData("lfw.tgz")]
    [InlineData("lfw.tar.gz")]
    [InlineData("lfw.tar")]
    public void Enumerate_LfwTopFolder_StrippedAndPeopleFromSubfolders(string name)
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, name);
        byte[] a = Bytes(5000, 1), b = Bytes(7000, 2), c = Bytes(3000, 3);
        WriteTar(path,
            new Item("lfw/", Type: TarEntryType.Directory),
            new Item("lfw/Aaron_Peirsol/", Type: TarEntryType.Directory),
            new Item("lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", a),
            new Item("lfw/Aaron_Peirsol/Aaron_Peirsol_0002.jpg", b),
            new Item("lfw/Zico/Zico_0001.jpg", c),
            new Item("lfw/Empty_Person/", Type: TarEntryType.Directory));

        var entries = ImportSources.Enumerate(path, ImportFormat.Auto);
        var byEntry = ByEntry(entries);

        Assert.Equal("Aaron Peirsol", byEntry["lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg"].Person);
        Assert.Equal("Zico", byEntry["lfw/Zico/Zico_0001.jpg"].Person);
        Assert.Equal("no images: empty folder", byEntry["lfw/Empty_Person"].PreSkipReason);
        // read in archive order, as the importer does, and once more out of order (the reader reopens the archive)
        Assert.Equal(a, byEntry["lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg"].Read!());
        Assert.Equal(c, byEntry["lfw/Zico/Zico_0001.jpg"].Read!());
        Assert.Equal(b, byEntry["lfw/Aaron_Peirsol/Aaron_Peirsol_0002.jpg"].Read!());
        Assert.Equal(name + "!lfw/Zico/Zico_0001.jpg", ImportSources.DisplayName(byEntry["lfw/Zico/Zico_0001.jpg"].SourcePath));
        Assert.Equal(4, entries.Count);
    }

    [Fact]
    public void Enumerate_NoTopFolderAndLooseFiles_LayoutAsInAZip()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "people.tgz");
        WriteTar(path,
            new Item("./Person_A/a.jpg", Bytes(100, 1)),
            new Item("./Person_B/b.jpg", Bytes(100, 2)),
            new Item("./Ada_Lovelace_0002.jpg", Bytes(100, 3)));

        var people = ImportSources.Enumerate(path, ImportFormat.Folder).Select(e => e.Person).Order(StringComparer.Ordinal);

        Assert.Equal(["Ada Lovelace", "Person A", "Person B"], people);
    }

    [Fact]
    public void Enumerate_TopFolderWithALooseTextFile_PeopleStillComeFromSubfolders()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "people.tgz");
        // the text file comes first in the archive: the layout is decided from every header, not from what came before
        WriteTar(path,
            new Item("Zip_Top/notes.txt", "collected for the tests"u8.ToArray()),
            new Item("Zip_Top/Test_Alice/Test_Alice_0001.jpg", Bytes(100, 1)),
            new Item("Zip_Top/Test_Bob/Test_Bob_0001.jpg", Bytes(100, 2)),
            new Item("Zip_Top/Test_Carol/Test_Carol_0001.jpg", Bytes(100, 3)));

        var entries = ImportSources.Enumerate(path, ImportFormat.Folder);

        Assert.Equal(["Test Alice", "Test Bob", "Test Carol"], entries.Where(e => e.SourcePath.EndsWith(".jpg", StringComparison.Ordinal)).Select(e => e.Person!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(entries, e => e.Person == "Zip Top");
    }

    [Fact]
    public void Enumerate_HiddenFilesAndNonRegularEntries_SkippedWithReasonsAndLayoutUnchanged()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "lfw.tgz");
        WriteTar(path,
            new Item("lfw/.DS_Store", Bytes(10, 1)),
            new Item("__MACOSX/lfw/Person_A/._Person_A_0001.jpg", Bytes(10, 2)),
            new Item("lfw/Person_A/Person_A_0001.jpg", Bytes(100, 3)),
            new Item("lfw/Person_A/Thumbs.db", Bytes(10, 4)),
            new Item("lfw/Person_B/Person_B_0001.jpg", Type: TarEntryType.SymbolicLink, Link: "/etc/passwd"),
            new Item("lfw/Person_B/Person_B_0002.jpg", Type: TarEntryType.HardLink, Link: "lfw/Person_A/Person_A_0001.jpg"),
            new Item("lfw/Person_B/pipe", Type: TarEntryType.Fifo),
            new Item("lfw/Person_B/Person_B_0003.jpg", Bytes(100, 5)));

        var byEntry = ByEntry(ImportSources.Enumerate(path, ImportFormat.Auto));

        Assert.Equal(ImportSources.HiddenReason, byEntry["lfw/.DS_Store"].PreSkipReason);
        Assert.Equal(ImportSources.HiddenReason, byEntry["__MACOSX/lfw/Person_A/._Person_A_0001.jpg"].PreSkipReason);
        Assert.Equal(ImportSources.HiddenReason, byEntry["lfw/Person_A/Thumbs.db"].PreSkipReason);
        Assert.Equal("not a regular file: a symbolic link (to /etc/passwd), not followed", byEntry["lfw/Person_B/Person_B_0001.jpg"].PreSkipReason);
        Assert.Equal("not a regular file: a hard link (to lfw/Person_A/Person_A_0001.jpg), not followed", byEntry["lfw/Person_B/Person_B_0002.jpg"].PreSkipReason);
        Assert.Equal("not a regular file: a FIFO", byEntry["lfw/Person_B/pipe"].PreSkipReason);
        Assert.All(byEntry.Values.Where(e => e.PreSkipReason is not null), e => Assert.Null(e.Read));
        // neither the debris nor the links change the layout: lfw/ is stripped and the people are the subfolders
        Assert.Equal("Person A", byEntry["lfw/Person_A/Person_A_0001.jpg"].Person);
        Assert.Equal("Person B", byEntry["lfw/Person_B/Person_B_0003.jpg"].Person);
        Assert.Equal(Bytes(100, 5), byEntry["lfw/Person_B/Person_B_0003.jpg"].Read!());
    }

    [Fact]
    public void Enumerate_EntryOverTheLimit_SkippedUnreadAndLaterEntriesStillRead()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "big.tgz");
        WriteTar(path,
            new Item("Person_A/a.jpg", Bytes(1000, 1)),
            new Item("Person_A/huge.jpg", new byte[3 * MiB]),
            new Item("Person_B/b.jpg", Bytes(2000, 2)),
            new Item("Person_B/c.jpg", Bytes((int)MiB, 3)),
            new Item("Person_C/d.jpg", Bytes(1000, 4)));

        var byEntry = ByEntry(ImportSources.Enumerate(path, ImportFormat.Folder, new ArchiveLimits(2 * MiB, MiB + 3500, 100), null));

        Assert.StartsWith("too large: 3 MB, over the 2 MB limit per file", byEntry["Person_A/huge.jpg"].PreSkipReason, StringComparison.Ordinal);
        Assert.Null(byEntry["Person_A/huge.jpg"].Read);
        Assert.Equal(Bytes(1000, 1), byEntry["Person_A/a.jpg"].Read!());
        Assert.Equal(Bytes(2000, 2), byEntry["Person_B/b.jpg"].Read!());
        Assert.Equal(Bytes((int)MiB, 3), byEntry["Person_B/c.jpg"].Read!());
        // 1,000 + 2,000 + 1 MiB read; the next 1,000 bytes pass the total of 1 MiB + 3,500 (declared sizes, before reading)
        Assert.StartsWith("archive too large: its entries pass the", byEntry["Person_C/d.jpg"].PreSkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Enumerate_OverTheEntryCount_IsRefusedNamingTheLimit()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "many.tgz");
        WriteTar(path, [.. Enumerable.Range(0, 11).Select(i => new Item($"Person_A/{i}.jpg", Bytes(10, i)))]);

        var ex = Assert.Throws<InvalidDataException>(() => ImportSources.Enumerate(path, ImportFormat.Folder, new ArchiveLimits(MiB, MiB, 10), null));

        Assert.Equal("many.tgz: the archive has at least 11 entries, more than the limit of 10 (Lookalike:MaxArchiveEntries)", ex.Message);
        Assert.Equal(11, ImportSources.Enumerate(path, ImportFormat.Folder, new ArchiveLimits(MiB, MiB, 11), null).Count);
    }

    [Theory]
    [InlineData("cut.tgz")]
    [InlineData("cut.tar")]
    public void Enumerate_TruncatedArchive_EntriesBeforeTheCutKeptAndTheDamageReported(string name)
    {
        using var temp = new TempDirectory("lookalike-tar");
        var whole = Path.Combine(temp.Path, "whole-" + name);
        WriteTar(whole, [.. Enumerable.Range(0, 10).Select(i => new Item($"lfw/Person_{i}/Person_{i}_0001.jpg", Bytes(64 * 1024, i)))]);
        var bytes = File.ReadAllBytes(whole);
        var path = Path.Combine(temp.Path, name);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * 0.55)]); // cut in the data of the sixth entry or so

        var entries = ImportSources.Enumerate(path, ImportFormat.Auto);

        var damage = Assert.Single(entries, e => e.PreSkipReason?.StartsWith("damaged archive", StringComparison.Ordinal) == true);
        Assert.Equal(name + "!", ImportSources.DisplayName(damage.SourcePath));
        var readable = entries.Where(e => e.Read is not null).ToList();
        Assert.InRange(readable.Count, 4, 7);
        Assert.All(readable.SkipLast(1), e => Assert.Equal(64 * 1024, e.Read!().Length)); // before the cut, every byte
        var last = Assert.Throws<InvalidDataException>(() => readable[^1].Read!()); // the entry the cut runs through
        Assert.Contains(name + " is damaged or cut off here", last.Message, StringComparison.Ordinal);
        Assert.Equal("Person 0", readable[0].Person); // the layout of what was read: lfw/ stripped
    }

    [Theory]
    [InlineData("text.tgz", "just some words, not an archive at all, long enough to fill a header block or not")]
    [InlineData("garbage.tgz", "\u001f\u008bnot really gzip")]
    [InlineData("empty.tar", "")]
    public void Enumerate_NotATarArchive_ClearErrorNamingTheFile(string name, string content)
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, name);
        File.WriteAllBytes(path, [.. content.Select(c => (byte)c)]);

        var ex = Assert.Throws<InvalidDataException>(() => ImportSources.Enumerate(path, ImportFormat.Auto));

        Assert.StartsWith(name + " ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was imported from it.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(temp.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enumerate_CelebALayoutInATgz_ListsReadFirstThenImagesInArchiveOrder()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "celeba.tgz");
        WriteTar(path,
            new Item("celeba/img_align_celeba/000002.jpg", Bytes(100, 2)),
            new Item("celeba/img_align_celeba/000001.jpg", Bytes(100, 1)),
            new Item("celeba/identity_CelebA.txt", "000001.jpg 7\n000002.jpg 9\n"u8.ToArray()),
            new Item("celeba/names.txt", "7 Ada Lovelace\n"u8.ToArray()));

        var entries = ImportSources.Enumerate(path, ImportFormat.Auto);

        Assert.Equal(["celeba/img_align_celeba/000002.jpg", "celeba/img_align_celeba/000001.jpg"], entries.Select(e => e.SourcePath[(e.SourcePath.IndexOf('!', StringComparison.Ordinal) + 1)..]));
        Assert.Equal(["CelebA #9", "Ada Lovelace"], entries.Select(e => e.Person!));
        Assert.Equal([Bytes(100, 2), Bytes(100, 1)], entries.Select(e => e.Read!()));
    }

    [SharedDataFact("bugs/inputs/b17_gallery_lfw_style")]
    public async Task ImportAsync_LfwStyleTgz_ImportsThePeopleAndNamesSkipsByTheArchive()
    {
        using var temp = new TempDirectory("lookalike-tar");
        var path = Path.Combine(temp.Path, "lfw.tgz");
        var photos = Directory.GetFiles(B17Lfw, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) && !f.Contains("__MACOSX", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        WriteTar(path, [
            .. photos.Select(f => new Item("lfw/" + Path.GetRelativePath(B17Lfw, f).Replace('\\', '/'), File.ReadAllBytes(f))),
            new Item("lfw/Person_B/Person_B_0009.jpg", "not a photo"u8.ToArray()),
            new Item("lfw/Person_B/link.jpg", Type: TarEntryType.SymbolicLink, Link: "Person_B_0001.jpg"),
        ]);
        using var services = GalleryServices.Create(Path.Combine(temp.Path, "data"));
        var importer = services.GetRequiredService<GalleryImporter>();

        var summary = await importer.ImportAsync(path, ImportFormat.Lfw);

        Assert.True(summary.Imported >= 5, $"{summary.Imported} imported");
        Assert.Equal(photos.Count + 2, summary.Imported + summary.Skipped);
        Assert.Contains(summary.SkippedFiles, f => ImportSources.DisplayName(f.SourcePath) == "lfw.tgz!lfw/Person_B/Person_B_0009.jpg");
        Assert.Contains(summary.SkippedFiles, f => ImportSources.DisplayName(f.SourcePath) == "lfw.tgz!lfw/Person_B/link.jpg" && f.Reason.StartsWith("not a regular file: a symbolic link", StringComparison.Ordinal));
        var people = services.GetRequiredService<Lookalike.Gallery.IGalleryStore>().FindPeople(null, 0, 10).People.Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["Person A", "Person B"], people);

        var again = await importer.ImportAsync(path, ImportFormat.Lfw); // a re-import reads nothing new
        Assert.Equal(0, again.Imported);
        Assert.Equal(summary.Imported + summary.Skipped, again.AlreadyStored);
    }
}
