using Lookalike.Gallery.Import;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Tests.Gallery;

/// <summary><see cref="ImportRoots"/>: canonical paths with links resolved, and links inside a root that point out.</summary>
public sealed class ImportRootsTests : IDisposable
{
    private readonly TempDirectory _temp = new("lookalike-roots");

    public ImportRootsTests()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Path.Combine(Root, "Person_A"));
        File.WriteAllBytes(Path.Combine(Root, "Person_A", "a.jpg"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(Outside, "secret.jpg"), [4, 5, 6]);
    }

    private string Root => Path.Combine(_temp.Path, "gallery");

    private string Outside => Path.Combine(_temp.Path, "private");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Authorize_NoRootsConfigured_RefusedSayingHowToConfigure()
    {
        var ex = Assert.Throws<ImportRootException>(() => new ImportRoots([]).Authorize(Root));

        Assert.Contains("Lookalike:ImportRoots", ex.Message, StringComparison.Ordinal);
        Assert.Contains("command-line import verb is not restricted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_InsideARoot_ReturnsTheCanonicalPath()
    {
        var roots = new ImportRoots([Root + "/"]);

        Assert.Equal(Root, roots.Authorize(Root));
        Assert.Equal(Path.Combine(Root, "Person_A"), roots.Authorize(Path.Combine(Root, "Person_A", ".", "..", "Person_A")));
    }

    [Fact]
    public void Authorize_PathOutsideTheRoots_RefusedWithoutNamingThem()
    {
        var roots = new ImportRoots([Root]);

        var outside = Assert.Throws<ImportRootException>(() => roots.Authorize(Outside));
        var dotDot = Assert.Throws<ImportRootException>(() => roots.Authorize(Path.Combine(Root, "..", "private")));
        var prefix = Assert.Throws<ImportRootException>(() => roots.Authorize(Root + "-other"));

        Assert.Equal(ImportRoots.OutsideMessage, outside.Message);
        Assert.Equal(ImportRoots.OutsideMessage, dotDot.Message);
        Assert.Equal(ImportRoots.OutsideMessage, prefix.Message);
        Assert.DoesNotContain(Root, outside.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_SymlinkInsideARootPointingOut_Refused()
    {
        var link = Path.Combine(Root, "looks-inside");
        Directory.CreateSymbolicLink(link, Outside);
        var roots = new ImportRoots([Root]);

        Assert.Throws<ImportRootException>(() => roots.Authorize(link));
        Assert.Throws<ImportRootException>(() => roots.Authorize(Path.Combine(link, "secret.jpg")));
    }

    [Fact]
    public void Authorize_RootGivenThroughALink_MatchesTheRealPath()
    {
        var rootLink = Path.Combine(_temp.Path, "gallery-link");
        Directory.CreateSymbolicLink(rootLink, "gallery"); // relative target
        var roots = new ImportRoots([rootLink]);

        Assert.Equal(Path.Combine(Root, "Person_A"), roots.Authorize(Path.Combine(Root, "Person_A")));
        Assert.Equal(Path.Combine(Root, "Person_A"), roots.Authorize(Path.Combine(rootLink, "Person_A")));
    }

    [Fact]
    public void Authorize_LinkLoop_Refused()
    {
        var a = Path.Combine(Root, "loop-a");
        var b = Path.Combine(Root, "loop-b");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);

        Assert.Throws<ImportRootException>(() => new ImportRoots([Root]).Authorize(a));
    }

    [Fact]
    public void Enumerate_LinksInsideTheFolderPointingOut_SkippedAndNotFollowed()
    {
        File.CreateSymbolicLink(Path.Combine(Root, "Person_A", "b.jpg"), Path.Combine(Outside, "secret.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "Person_B"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "Person_A", "c.jpg"), Path.Combine(Root, "Person_A", "a.jpg"));
        var roots = new ImportRoots([Root]);

        var entries = ImportSources.Enumerate(Root, ImportFormat.Folder, ArchiveLimits.Default, roots).ToDictionary(e => Path.GetRelativePath(Root, e.SourcePath));

        Assert.Equal(["Person_A/a.jpg", "Person_A/b.jpg", "Person_A/c.jpg", "Person_B"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ImportRoots.OutsideLinkReason, entries["Person_A/b.jpg"].PreSkipReason);
        Assert.Null(entries["Person_A/b.jpg"].Read);
        Assert.Equal(ImportRoots.OutsideLinkReason, entries["Person_B"].PreSkipReason);
        Assert.Equal([1, 2, 3], entries["Person_A/c.jpg"].Read!()); // a link that stays inside is read
        // without roots (the command line) links are followed as before
        Assert.Contains(ImportSources.Enumerate(Root, ImportFormat.Folder), e => e.SourcePath.EndsWith("Person_B/secret.jpg", StringComparison.Ordinal));
    }
}
