using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Tests.Gallery;

/// <summary>
/// The <see cref="IGalleryStore"/> contract, each test run on both adapters: SQLite and PostgreSQL (the PostgreSQL row is
/// skipped, saying so, unless <c>LOOKALIKE_TEST_POSTGRES</c> names a server; CI starts one).
/// </summary>
public sealed class GalleryStoreContractTests
{
    private static float[] Descriptor(float seed, int length = 128) => Enumerable.Range(0, length).Select(i => seed + i).ToArray();

    private static PhotoRecord Imported(string path, string person, float seed, string? hash = null, int length = 128) => new(
        path, hash ?? "hash-" + path, person, null, 1, 250, 250,
        new StoredFaceInput(new FaceBox(10, 20, 100, 120), [new Point2(40, 60), new Point2(80, 60)], 0.9f, [0xFF, 0xD8, 0xFF, 0xD9],
            Descriptor(seed, length)));

    private static PhotoRecord Skipped(string path, string reason) => new(path, null, null, reason, 0, 0, 0, null);

    [Theory, OnSqlite, OnPostgres]
    public void WriteBatch_ImportedAndSkipped_RoundTripsFacesAndReasons(string provider)
    {
        using var test = TestStore.Open(provider);
        var store = test.Store;

        var added = store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Imported("/a/2.jpg", "Ada", 2), Skipped("/a/x.txt", "not an image: text")]);
        var (faces, vectors) = store.ReadAllEmbeddings(128);
        var stats = store.GetStats();

        Assert.Equal(2, added.Count);
        Assert.Equal(added.Select(a => a.Face.FaceId), faces.Select(f => f.FaceId));
        Assert.Equal(1f, vectors[0]);
        Assert.Equal(2f + 127, vectors[255]);
        Assert.Equal((1, 3, 2, 2, 1, 2), (stats.People, stats.Photos, stats.Imported, stats.Faces, stats.Skipped, faces.Length));
        Assert.Equal("not an image", Assert.Single(stats.SkipReasons).Reason);
        Assert.True(stats.StorageBytes > 0);
        var person = store.GetPerson(faces[0].PersonId)!;
        Assert.Equal(("Ada", 2), (person.Name, person.Faces.Count));
        Assert.Equal(("/a/1.jpg", 0.9f), (person.Faces[0].SourcePath, person.Faces[0].Score));
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xD9], store.GetThumbnail(faces[0].FaceId));
        Assert.Null(store.GetThumbnail(999_999));
        Assert.Null(store.GetPerson(999_999));
        Assert.Equal(new StoreFingerprint(2, faces[1].FaceId), store.GetFaceFingerprint());
    }

    [Theory, OnSqlite, OnPostgres]
    public void Estimates_WrittenAtImportOrBackfilled_AreReadBack_MissingOnesListed(string provider)
    {
        using var test = TestStore.Open(provider);
        var store = test.Store;
        var withEstimate = Imported("/e/1.jpg", "Eve", 1);
        withEstimate = withEstimate with { Face = withEstimate.Face! with { Estimate = new Lookalike.Faces.AgeGender.AgeGenderEstimate(34f, 0.1f) } };

        var added = store.WriteBatch([withEstimate, Imported("/e/2.jpg", "Eve", 2)]);
        var first = added[0].Face.FaceId;
        var second = added[1].Face.FaceId;
        var missing = store.GetFacesWithoutEstimate(10);
        store.SetEstimates([(second, new Lookalike.Faces.AgeGender.AgeGenderEstimate(52f, 0.9f)), (999_999, new Lookalike.Faces.AgeGender.AgeGenderEstimate(1f, 1f))]);
        var read = store.GetEstimates([first, second, 999_999]);

        Assert.Equal(second, Assert.Single(missing).FaceId);
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xD9], missing[0].Thumbnail);
        Assert.Equal(0, store.CountFacesWithoutEstimate());
        Assert.Equal(2, read.Count);
        Assert.Equal((34f, 0.1f, Lookalike.Faces.AgeGender.EstimatedSex.Female), (read[first].AgeYears, read[first].MaleProbability, read[first].Sex));
        Assert.Equal((52f, Lookalike.Faces.AgeGender.EstimatedSex.Male), (read[second].AgeYears, read[second].Sex));
    }

    [Theory, OnSqlite, OnPostgres]
    public void WriteBatch_SamePathTwice_IsStoredOnce(string provider)
    {
        using var test = TestStore.Open(provider);
        var store = test.Store;

        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Skipped("/a/x.txt", "empty file")]);
        var second = test.Reopen().WriteBatch([Imported("/a/1.jpg", "Ada", 1), Skipped("/a/x.txt", "empty file")]);

        Assert.Empty(second);
        Assert.Equal(1, store.GetFaceFingerprint().Count);
        Assert.Equal(2, store.GetStats().Photos);
        Assert.Equal(["/a/1.jpg", "/a/x.txt"], store.GetKnownSourcePaths().Order());
        Assert.Equal("/a/1.jpg", store.GetImportedHashes()["hash-/a/1.jpg"]);
    }

    [Theory, OnSqlite, OnPostgres]
    public void WriteBatch_SameContentUnderAnotherPath_IsRecordedAsDuplicateOfTheFirst(string provider)
    {
        using var test = TestStore.Open(provider);
        var store = test.Store;

        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1, hash: "same")]);
        // another process (its own hash list did not know the first) and a batch holding the same content twice
        var added = test.Reopen().WriteBatch([Imported("/b/1.jpg", "Bob", 1, hash: "same"), Imported("/c/1.jpg", "Cy", 3, hash: "other"), Imported("/c/2.jpg", "Cy", 3, hash: "other")]);

        Assert.Equal("Cy", Assert.Single(added).Face.Person);
        var skipped = store.GetSkipped();
        Assert.Equal(["/c/2.jpg", "/b/1.jpg"], skipped.Select(s => s.SourcePath));
        Assert.All(skipped, s => Assert.StartsWith("duplicate: same content as ", s.Reason, StringComparison.Ordinal));
        Assert.Equal((2, 2, 2), (store.GetStats().Imported, store.GetStats().Skipped, store.GetFaceFingerprint().Count));
        Assert.Equal(0, store.FindPeople("Bob", 0, 10).Total); // no person is left behind for a duplicate
        Assert.Equal(4, store.GetKnownSourcePaths().Count); // every file is accounted for
    }

    [Theory, OnSqlite, OnPostgres]
    public void EnsureModel_DifferentWeights_ClearsStaleDescriptors(string provider)
    {
        using var test = TestStore.Open(provider);
        var store = test.Store;
        Assert.Null(store.GetModel());
        store.EnsureModel(new ModelIdentity("face-api", "aaa", 128));
        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Skipped("/a/x.txt", "empty file")]);

        var sameCleared = store.EnsureModel(new ModelIdentity("face-api", "aaa", 128));
        var changedCleared = store.EnsureModel(new ModelIdentity("face-api", "bbb", 128));

        Assert.Equal(0, sameCleared);
        Assert.Equal(1, changedCleared);
        Assert.Equal(new StoreFingerprint(0, 0), store.GetFaceFingerprint());
        Assert.Equal(new ModelIdentity("face-api", "bbb", 128), test.Reopen().GetModel());
        Assert.Equal(["/a/x.txt"], store.GetKnownSourcePaths());
        store.WriteBatch([Imported("/a/2.jpg", "Ada", 1)]);
        Assert.Equal(1, store.EnsureModel(new ModelIdentity("face-api", "bbb", 512))); // another dimension is another model
    }

    [Theory, OnSqlite, OnPostgres]
    public void SetIndexParameters_Stored_AreReadBackByAnotherInstance(string provider)
    {
        using var test = TestStore.Open(provider);
        Assert.Null(test.Store.GetIndexParameters());

        test.Store.SetIndexParameters(GalleryIndexParameters.Create(24, 300, 80));
        test.Store.SetMeta(("custom.a", "1"), ("custom.b", "2"));
        test.Store.SetMeta(("custom.a", "3"));
        var reopened = test.Reopen();

        var parameters = reopened.GetIndexParameters()!;
        Assert.Equal((24, 300, 80), (parameters.M, parameters.EfConstruction, parameters.DefaultEfSearch));
        Assert.Equal(("3", "2", null), (reopened.GetMeta("custom.a"), reopened.GetMeta("custom.b"), reopened.GetMeta("custom.c")));
    }

    [Theory, OnSqlite, OnPostgres]
    public void ReadAllEmbeddings_RowOfAnotherLength_IsListedAsSkippedNotThrown(string provider)
    {
        using var test = TestStore.Open(provider);
        var added = test.Store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Imported("/a/2.jpg", "Ada", 2, length: 64), Imported("/a/3.jpg", "Bo", 3)]);

        var read = test.Store.ReadAllEmbeddings(128);

        Assert.Equal([added[0].Face.FaceId, added[2].Face.FaceId], read.Faces.Select(f => f.FaceId));
        Assert.Equal(256, read.Vectors.Length);
        Assert.Equal(3f + 127, read.Vectors[^1]);
        var skipped = Assert.Single(read.Skipped);
        Assert.Equal((added[1].Face.FaceId, "stored with 64 dimensions; expected 128"), (skipped.FaceId, skipped.Reason));
        Assert.Equal(test.Store.GetFaceFingerprint(), read.Fingerprint);
    }

    [Theory, OnSqlite, OnPostgres]
    public void GetImportedSourcePaths_LeavesOutArchiveEntriesAndUploads_InImportOrder(string provider)
    {
        using var test = TestStore.Open(provider);
        test.Store.WriteBatch([Imported("/a/2.jpg", "Ada", 1), Imported("/z.zip!Ada/1.jpg", "Ada", 2), Imported("upload:abc", "Ada", 3), Imported("/a/1.jpg", "Ada", 4), Skipped("/a/x.txt", "empty file")]);

        Assert.Equal(["/a/2.jpg", "/a/1.jpg"], test.Store.GetImportedSourcePaths(10));
        Assert.Equal(["/a/2.jpg"], test.Store.GetImportedSourcePaths(1));
    }

    [Theory, OnSqlite, OnPostgres]
    public void GetSkipped_NewestFirst_StatsGroupReasonsByTextBeforeColon(string provider)
    {
        using var test = TestStore.Open(provider);
        test.Store.WriteBatch([Skipped("/1", "not an image: text"), Skipped("/2", "not an image: pdf"), Skipped("/3", "no face detected")]);

        Assert.Equal(["/3", "/2"], test.Store.GetSkipped(2).Select(s => s.SourcePath));
        Assert.Equal([("not an image", 2), ("no face detected", 1)], test.Store.GetStats().SkipReasons);
        Assert.Equal(0, test.Store.GetStats().People);
    }

    [Theory, OnSqlite, OnPostgres]
    public void FindPeople_CaseInsensitiveLiteralSearch_OrderedByNameThenId_Paged(string provider)
    {
        using var test = TestStore.Open(provider);
        test.Store.WriteBatch([Imported("/1", "bob 100%", 1), Imported("/2", "Alice", 2), Imported("/3", "Bobby", 3), Imported("/4", "Carol_B", 4), Imported("/5", "Bobby", 5)]);

        var all = test.Store.FindPeople(null, 0, 10);
        var bob = test.Store.FindPeople("  BOB ", 0, 10);
        var page = test.Store.FindPeople("b", 1, 1);

        Assert.Equal(["Alice", "bob 100%", "Bobby", "Carol_B"], all.People.Select(p => p.Name));
        Assert.Equal(4, all.Total);
        Assert.Equal((2, 2), (all.People[2].FaceCount, bob.Total));
        Assert.Equal(["bob 100%", "Bobby"], bob.People.Select(p => p.Name));
        Assert.Equal(["bob 100%"], test.Store.FindPeople("%", 0, 10).People.Select(p => p.Name));
        Assert.Equal(["Carol_B"], test.Store.FindPeople("_", 0, 10).People.Select(p => p.Name));
        Assert.Equal((3, "Bobby"), (page.Total, page.People.Single().Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => test.Store.FindPeople(null, -1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => test.Store.FindPeople(null, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => test.Store.FindPeople(null, 0, GalleryLimits.MaxPeoplePageSize + 1));
    }

    [Theory, OnSqlite, OnPostgres]
    public void RenamePerson_NewName_Renamed_TakenName_Refused_UnknownId_NotFound(string provider)
    {
        using var test = TestStore.Open(provider);
        var added = test.Store.WriteBatch([Imported("/1", "Ada", 1), Imported("/2", "Bob", 2)]);
        var (ada, bob) = (added[0].Face.PersonId, added[1].Face.PersonId);

        Assert.Equal(RenameOutcome.NameTaken, test.Store.RenamePerson(ada, "Bob"));
        Assert.Equal(RenameOutcome.NotFound, test.Store.RenamePerson(999_999, "Zed"));
        Assert.Equal(RenameOutcome.Renamed, test.Store.RenamePerson(ada, "Ada"));
        Assert.Equal(RenameOutcome.Renamed, test.Store.RenamePerson(ada, "Ada Lovelace"));
        Assert.Throws<ArgumentException>(() => test.Store.RenamePerson(ada, " "));

        Assert.Equal(("Ada Lovelace", "Bob"), (test.Store.GetPerson(ada)!.Name, test.Store.GetPerson(bob)!.Name));
        Assert.Equal("Ada Lovelace", test.Store.ReadAllEmbeddings(128).Faces[0].Person);
        // a later import under the old name makes a new person
        var again = test.Store.WriteBatch([Imported("/3", "Ada", 3)]);
        Assert.NotEqual(ada, again[0].Face.PersonId);
    }

    [Theory, OnSqlite, OnPostgres]
    public void MergePeople_MovesEveryFaceAndPhoto_DeletesTheSource(string provider)
    {
        using var test = TestStore.Open(provider);
        var added = test.Store.WriteBatch([Imported("/1", "Ada", 1), Imported("/2", "Ada", 2), Imported("/3", "Bob", 3)]);
        var (ada, bob) = (added[0].Face.PersonId, added[2].Face.PersonId);

        var moved = test.Store.MergePeople(ada, bob);

        Assert.Equal([added[0].Face.FaceId, added[1].Face.FaceId], moved);
        Assert.Null(test.Store.GetPerson(ada));
        Assert.Equal(3, test.Store.GetPerson(bob)!.Faces.Count);
        Assert.All(test.Store.ReadAllEmbeddings(128).Faces, f => Assert.Equal((bob, "Bob"), (f.PersonId, f.Person)));
        Assert.Equal(1, test.Store.GetStats().People);
        Assert.Null(test.Store.MergePeople(ada, bob));
        Assert.Null(test.Store.MergePeople(bob, 999_999));
        Assert.Throws<ArgumentException>(() => test.Store.MergePeople(bob, bob));
    }

    [Theory, OnSqlite, OnPostgres]
    public void DeletePerson_RemovesFacesAndDescriptors_PhotosStayRecordedAsRemoved(string provider)
    {
        using var test = TestStore.Open(provider);
        var added = test.Store.WriteBatch([Imported("/1", "Ada", 1), Imported("/2", "Ada", 2), Imported("/3", "Bob", 3)]);
        var ada = added[0].Face.PersonId;

        var removed = test.Store.DeletePerson(ada);

        Assert.Equal([added[0].Face.FaceId, added[1].Face.FaceId], removed);
        Assert.Null(test.Store.GetPerson(ada));
        Assert.Null(test.Store.GetThumbnail(added[0].Face.FaceId));
        Assert.Equal([added[2].Face.FaceId], test.Store.ReadAllEmbeddings(128).Faces.Select(f => f.FaceId));
        Assert.Equal([("/2", ImageRejectionText.RemovedByAdmin), ("/1", ImageRejectionText.RemovedByAdmin)], test.Store.GetSkipped().Select(s => (s.SourcePath, s.Reason)));
        Assert.Equal((1, 2, 1), (test.Store.GetStats().Imported, test.Store.GetStats().Skipped, test.Store.GetStats().Faces));
        Assert.Empty(test.Store.WriteBatch([Imported("/1", "Ada", 1)])); // importing the folder again does not bring it back
        Assert.Null(test.Store.DeletePerson(ada));
    }

    [Theory, OnSqlite, OnPostgres]
    public void DeleteFace_PersonStays_PhotoRecordedAsRemoved_IdNeverReused(string provider)
    {
        using var test = TestStore.Open(provider);
        var added = test.Store.WriteBatch([Imported("/1", "Ada", 1), Imported("/2", "Ada", 2)]);
        var before = test.Store.GetFaceFingerprint();
        var largest = added[1].Face;

        var deleted = test.Store.DeleteFace(largest.FaceId);
        var afterDelete = test.Store.GetFaceFingerprint();
        var left = test.Store.GetPerson(largest.PersonId)!.Faces.Select(f => f.FaceId);
        var next = test.Reopen().WriteBatch([Imported("/3", "Ada", 3)]);

        Assert.Equal(largest, deleted);
        Assert.Null(test.Store.DeleteFace(largest.FaceId));
        Assert.Equal([added[0].Face.FaceId], left);
        Assert.True(next[0].Face.FaceId > largest.FaceId, "a deleted face's id is never handed out again");
        var afterAdd = test.Store.GetFaceFingerprint();
        Assert.Equal([before, afterDelete, afterAdd], new[] { before, afterDelete, afterAdd }.Distinct());
        Assert.Contains(test.Store.GetSkipped(), s => (s.SourcePath, s.Reason) == ("/2", ImageRejectionText.RemovedByAdmin));

        // deleting the person's last faces leaves the person, with none
        test.Store.DeleteFace(added[0].Face.FaceId);
        test.Store.DeleteFace(next[0].Face.FaceId);
        Assert.Equal(new PersonSummary(largest.PersonId, "Ada", 0, null), test.Store.FindPeople("Ada", 0, 10).People.Single());
        Assert.Equal(new StoreFingerprint(0, 0), test.Store.GetFaceFingerprint());
        Assert.True(test.Store.WriteBatch([Imported("/4", "Ada", 4)])[0].Face.FaceId > next[0].Face.FaceId);
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task WriteBatch_ConcurrentWritersOverOneStore_EveryPhotoOnceWithDistinctFaceIds(string provider)
    {
        using var test = TestStore.Open(provider);
        var stores = Enumerable.Range(0, 4).Select(_ => test.Reopen()).ToArray();

        // four writers, each writing its own files and all of them the same shared files
        var results = await Task.WhenAll(stores.Select((store, w) => Task.Run(() =>
            Enumerable.Range(0, 10).SelectMany(b => store.WriteBatch([Imported($"/w{w}/{b}.jpg", $"P{b % 3}", w * 100 + b), Imported($"/shared/{b}.jpg", $"P{b % 3}", b)])).ToList())));

        var ids = results.SelectMany(r => r).Select(a => a.Face.FaceId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(50, ids.Count);
        Assert.Equal((50, 3), (test.Store.GetFaceFingerprint().Count, test.Store.GetStats().People));
        Assert.Equal(ids.Order(), test.Store.ReadAllEmbeddings(128).Faces.Select(f => f.FaceId));
    }
}
