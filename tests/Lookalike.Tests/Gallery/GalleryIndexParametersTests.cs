using Lookalike.Faces;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;

namespace Lookalike.Tests.Gallery;

public sealed class GalleryStoreTests
{
    private static PhotoRecord Imported(string path, string person, float seed) => new(
        path, "hash-" + path, person, null, 1, 250, 250,
        new StoredFaceInput(new FaceBox(10, 20, 100, 120), [new Point2(40, 60), new Point2(80, 60)], 0.9f, [0xFF, 0xD8, 0xFF, 0xD9],
            Enumerable.Range(0, 128).Select(i => seed + i).ToArray()));

    [Fact]
    public void WriteBatch_ImportedAndSkipped_RoundTripsFacesAndReasons()
    {
        using var dir = new TempDirectory();
        var store = new SqliteGalleryStore(dir.Path);

        var added = store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Imported("/a/2.jpg", "Ada", 2), new PhotoRecord("/a/x.txt", null, null, "not an image: text", 0, 0, 0, null)]);
        var (faces, vectors) = store.ReadAllEmbeddings(128);
        var stats = store.GetStats();

        Assert.Equal(2, added.Count);
        Assert.Equal(added.Select(a => a.Face.FaceId), faces.Select(f => f.FaceId));
        Assert.Equal(1f, vectors[0]);
        Assert.Equal(2f + 127, vectors[255]);
        Assert.Equal((1, 2, 2, 1, 2), (stats.People, stats.Imported, stats.Faces, stats.Skipped, faces.Length));
        Assert.Equal("not an image", Assert.Single(stats.SkipReasons).Reason);
        Assert.Equal(2, store.GetPerson(faces[0].PersonId)!.Faces.Count);
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xD9], store.GetThumbnail(faces[0].FaceId));
    }

    [Fact]
    public void WriteBatch_SamePathTwice_IsStoredOnce()
    {
        using var dir = new TempDirectory();
        var store = new SqliteGalleryStore(dir.Path);

        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1)]);
        var second = store.WriteBatch([Imported("/a/1.jpg", "Ada", 1)]);

        Assert.Empty(second);
        Assert.Equal(1, store.GetFaceFingerprint().Count);
        Assert.Contains("/a/1.jpg", store.GetKnownSourcePaths());
        Assert.Equal("/a/1.jpg", store.GetImportedHashes()["hash-/a/1.jpg"]);
    }

    [Fact]
    public void EnsureModel_DifferentWeights_ClearsStaleDescriptors()
    {
        using var dir = new TempDirectory();
        var store = new SqliteGalleryStore(dir.Path);
        store.EnsureModel(new ModelIdentity("face-api", "aaa", 128));
        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), new PhotoRecord("/a/x.txt", null, null, "empty file", 0, 0, 0, null)]);

        var sameCleared = store.EnsureModel(new ModelIdentity("face-api", "aaa", 128));
        var changedCleared = store.EnsureModel(new ModelIdentity("face-api", "bbb", 128));

        Assert.Equal(0, sameCleared);
        Assert.Equal(1, changedCleared);
        Assert.Equal(0, store.GetFaceFingerprint().Count);
        Assert.Equal("bbb", store.GetModel()!.WeightsSha256);
        Assert.Equal(["/a/x.txt"], store.GetKnownSourcePaths());
    }

    [Fact]
    public void SetIndexParameters_Stored_AreReadBack()
    {
        using var dir = new TempDirectory();
        var store = new SqliteGalleryStore(dir.Path);

        store.SetIndexParameters(GalleryIndexParameters.Create(24, 300, 80));
        var reopened = new SqliteGalleryStore(dir.Path).GetIndexParameters();

        Assert.Equal((24, 300, 80), (reopened!.M, reopened.EfConstruction, reopened.DefaultEfSearch));
    }

    [Theory]
    [InlineData(1, 200, 64, "M")]
    [InlineData(16, 8, 64, "EfConstruction")]
    [InlineData(16, 200, 0, "EfSearch")]
    public void Validate_BadParameter_NamesTheField(int m, int efc, int efs, string field)
    {
        var errors = GalleryIndexParameters.Validate(GalleryIndexParameters.Create(m, efc, efs));

        Assert.Equal(field, Assert.Single(errors).Key);
    }
}
