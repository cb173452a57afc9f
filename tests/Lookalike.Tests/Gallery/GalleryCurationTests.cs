using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Curation;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>
/// <see cref="GalleryCuration"/> over a copy of the imported LFW slice: rename, merge, delete a person or a face change
/// the store and the live index at once, and a restart (index file loaded, or rebuilt when it is out of step) shows the
/// same gallery, never a deleted face.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class GalleryCurationTests(LfwGalleryFixture gallery)
{
    /// <summary>The gallery services over a data directory with the live index ready, as the app starts them.</summary>
    private sealed class Opened(ServiceProvider services) : IDisposable
    {
        public void Deconstruct(out ServiceProvider provider, out LiveGallery live, out GalleryCuration curation, out IGalleryStore store)
        {
            provider = services;
            live = services.GetRequiredService<LiveGallery>();
            curation = services.GetRequiredService<GalleryCuration>();
            store = services.GetRequiredService<IGalleryStore>();
        }

        public void Dispose() => services.Dispose();
    }

    private static async Task<Opened> OpenAsync(string dataDirectory)
    {
        var services = GalleryServices.Create(dataDirectory);
        await services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        return new Opened(services);
    }

    private static long PersonIdOf(IGalleryStore store, string name) => store.FindPeople(name, 0, 10).People.Single(p => p.Name == name).Id;

    private static async Task<float[]> DescriptorAsync(ServiceProvider services, string path) =>
        services.GetRequiredService<MatchService>().Analyze(await File.ReadAllBytesAsync(path)).Faces[0].Descriptor;

    [SharedDataFact("data/lfw")]
    public async Task Rename_Person_NextSearchShowsNewName_AndAfterRestartFromTheSameIndexFile()
    {
        using var data = gallery.CopyDataDirectory();
        var probe = gallery.HeldBack[0];
        long personId;
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, curation, store) = opened;
            personId = PersonIdOf(store, probe.Person);
            var descriptor = await DescriptorAsync(services, probe.Path);

            var result = curation.Rename(personId, "  Renamed Person  ");

            Assert.Equal((CurationStatus.Done, "renamed", "Renamed Person"), (result.Status, result.Code, result.Name));
            var first = services.GetRequiredService<MatchService>().SearchPeople(descriptor, 1).People[0];
            Assert.Equal((personId, "Renamed Person"), (first.PersonId, first.Person));
            Assert.Equal("Renamed Person", store.GetPerson(personId)!.Name);
        }
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, _, _) = opened;
            Assert.Equal((1, 0), (live.Status.Loads, live.Status.Rebuilds)); // names are not in the index file
            var descriptor = await DescriptorAsync(services, probe.Path);
            Assert.Equal("Renamed Person", services.GetRequiredService<MatchService>().SearchPeople(descriptor, 1).People[0].Person);
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task DeletePerson_LeavesSearchAtOnce_StoreSyncDoesNotBringItBack_RestartLoadsWithoutIt()
    {
        using var data = gallery.CopyDataDirectory();
        var probe = gallery.HeldBack[1];
        int facesBefore;
        long personId;
        IReadOnlyList<long> faceIds;
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, curation, store) = opened;
            personId = PersonIdOf(store, probe.Person);
            faceIds = store.GetPerson(personId)!.Faces.Select(f => f.FaceId).ToList();
            facesBefore = live.Current.Count;
            var descriptor = await DescriptorAsync(services, probe.Path);
            Assert.Equal(personId, services.GetRequiredService<MatchService>().SearchPeople(descriptor, 1).People[0].PersonId);

            var result = curation.DeletePerson(personId);

            Assert.Equal((CurationStatus.Done, faceIds.Count), (result.Status, result.Faces));
            Assert.Equal(facesBefore - faceIds.Count, live.Current.Count);
            var everyFace = live.Current.ExactSearch(descriptor, live.Current.Count);
            Assert.DoesNotContain(everyFace, n => faceIds.Contains(n.Label));
            var matches = services.GetRequiredService<MatchService>().Search(descriptor, 50, 400).Matches;
            Assert.DoesNotContain(matches, m => m.PersonId == personId);
            Assert.Null(store.GetPerson(personId));
            Assert.Equal(0, store.FindPeople(probe.Person, 0, 10).Total);
            // the photos stay recorded, so importing the folder again does not bring them back
            Assert.Contains(store.GetSkipped(), s => s.Reason == ImageRejectionText.RemovedByAdmin);
            Assert.Equal(0, services.GetRequiredService<StoreSync>().SyncWithStore());
            Assert.Equal(facesBefore - faceIds.Count, live.Current.Count);
        }
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, _, store) = opened;
            Assert.Equal((1, 0), (live.Status.Loads, live.Status.Rebuilds)); // the index file was saved after the delete
            Assert.Equal(facesBefore - faceIds.Count, live.Current.Count);
            Assert.All(faceIds, id => Assert.False(live.Current.Faces.ContainsKey(id)));
            var descriptor = await DescriptorAsync(services, probe.Path);
            Assert.DoesNotContain(services.GetRequiredService<MatchService>().Search(descriptor, 50, 400).Matches, m => faceIds.Contains(m.FaceId));

            // importing the same folder again skips the removed photos as already recorded
            var summary = await services.GetRequiredService<GalleryImporter>().ImportAsync(gallery.SliceDirectory, ImportFormat.Lfw);
            Assert.Equal(0, summary.Imported);
            Assert.Null(store.FindPeople(probe.Person, 0, 10).People.FirstOrDefault());
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task DeletedInTheStoreOnly_IndexFileOutOfStep_RestartRebuildsWithoutTheFaces()
    {
        using var data = gallery.CopyDataDirectory();
        var probe = gallery.HeldBack[2];
        IReadOnlyList<long> removed;
        using (var services = GalleryServices.Create(data.Path))
        {
            // as if the app were killed after the store's transaction, before the index file was saved
            var store = services.GetRequiredService<IGalleryStore>();
            removed = store.DeletePerson(PersonIdOf(store, probe.Person))!;
        }
        using var opened = await OpenAsync(data.Path);

        var (restarted, live, _, _) = opened;

        Assert.Equal((0, 1), (live.Status.Loads, live.Status.Rebuilds));
        Assert.All(removed, id => Assert.False(live.Current.Faces.ContainsKey(id)));
        var descriptor = await DescriptorAsync(restarted, probe.Path);
        Assert.DoesNotContain(live.Current.ExactSearch(descriptor, live.Current.Count), n => removed.Contains(n.Label));
    }

    [SharedDataFact("data/lfw")]
    public async Task DeleteFace_LeavesSearch_PersonKeepsTheOthers_NewFaceGetsAFreshId()
    {
        using var data = gallery.CopyDataDirectory();
        var probe = gallery.HeldBack[3];
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, curation, store) = opened;
            var personId = PersonIdOf(store, probe.Person);
            var before = store.GetPerson(personId)!.Faces;
            var largest = live.Current.Faces.Keys.Max();
            var victim = store.FindPeople(null, 0, GalleryLimits.MaxPeoplePageSize).People.Select(p => store.GetPerson(p.Id)!)
                .SelectMany(p => p.Faces).Single(f => f.FaceId == largest);

            Assert.Equal(CurationStatus.Done, curation.DeleteFace(before[0].FaceId).Status);
            Assert.Equal(CurationStatus.Done, curation.DeleteFace(largest).Status);

            Assert.False(live.Current.Faces.ContainsKey(before[0].FaceId));
            Assert.Equal(before.Count - 1, store.GetPerson(personId)!.Faces.Count);
            var descriptor = await DescriptorAsync(services, probe.Path);
            Assert.DoesNotContain(live.Current.ExactSearch(descriptor, live.Current.Count), n => n.Label == before[0].FaceId || n.Label == largest);
            Assert.Null(store.GetThumbnail(largest));

            // a photo added now never takes the deleted largest id (the index file must not mistake one for the other)
            var added = await services.GetRequiredService<GalleryImporter>().AddPhotoAsync(await File.ReadAllBytesAsync(probe.Path), "Someone New", "new.jpg");
            Assert.Equal(1, added.Imported);
            var newFace = store.GetPerson(PersonIdOf(store, "Someone New"))!.Faces.Single().FaceId;
            Assert.True(newFace > largest, $"new face id {newFace} reuses or precedes the deleted {largest} ({victim.SourcePath})");
        }
        using (var opened = await OpenAsync(data.Path))
        {
            var (_, live, _, store) = opened;
            Assert.Equal(store.GetFaceFingerprint().Count, live.Current.Count);
            Assert.All(live.Current.Faces.Keys, id => Assert.NotNull(store.GetThumbnail(id)));
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task Merge_FacesMoveToTheTarget_SourceGone_AfterRestartToo()
    {
        using var data = gallery.CopyDataDirectory();
        var (a, b) = (gallery.HeldBack[4], gallery.HeldBack[5]);
        long sourceId, targetId;
        int total;
        using (var opened = await OpenAsync(data.Path))
        {
            var (services, live, curation, store) = opened;
            sourceId = PersonIdOf(store, a.Person);
            targetId = PersonIdOf(store, b.Person);
            var moving = store.GetPerson(sourceId)!.Faces.Select(f => f.FaceId).ToList();
            total = moving.Count + store.GetPerson(targetId)!.Faces.Count;

            var result = curation.Merge(sourceId, targetId);

            Assert.Equal((CurationStatus.Done, targetId, b.Person, moving.Count), (result.Status, result.PersonId, result.Name, result.Faces));
            Assert.All(moving, id => Assert.Equal((targetId, b.Person), (live.Current.Faces[id].PersonId, live.Current.Faces[id].Person)));
            var first = services.GetRequiredService<MatchService>().SearchPeople(await DescriptorAsync(services, a.Path), 1).People[0];
            Assert.Equal(b.Person, first.Person);
        }
        using (var opened = await OpenAsync(data.Path))
        {
            var (_, live, _, store) = opened;
            Assert.Null(store.GetPerson(sourceId));
            Assert.Equal(total, store.GetPerson(targetId)!.Faces.Count);
            Assert.Equal(total, live.Current.Faces.Values.Count(f => f.PersonId == targetId));
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task BadInput_RefusedWithItsCode_NothingChanges()
    {
        using var data = gallery.CopyDataDirectory();
        using var opened = await OpenAsync(data.Path);
        var (_, live, curation, store) = opened;
        var people = store.FindPeople(null, 0, 2).People;
        var (first, second) = (people[0], people[1]);
        var count = live.Current.Count;

        Assert.Equal("empty_name", curation.Rename(first.Id, "   ").Code);
        Assert.Equal("empty_name", curation.Rename(first.Id, null).Code);
        Assert.Equal("name_too_long", curation.Rename(first.Id, new string('x', GalleryLimits.MaxPersonNameLength + 1)).Code);
        Assert.Equal("bad_name", curation.Rename(first.Id, "two\nlines").Code);
        Assert.Equal((CurationStatus.Conflict, "name_taken"), (curation.Rename(first.Id, second.Name).Status, curation.Rename(first.Id, second.Name).Code));
        Assert.Equal((CurationStatus.Invalid, "merge_into_self"), (curation.Merge(first.Id, first.Id).Status, curation.Merge(first.Id, first.Id).Code));
        Assert.Equal((CurationStatus.NotFound, "person_not_found"), (curation.Rename(999_999, "X").Status, curation.Rename(999_999, "X").Code));
        Assert.Equal("person_not_found", curation.Merge(first.Id, 999_999).Code);
        Assert.Equal("person_not_found", curation.Merge(999_999, first.Id).Code);
        Assert.Equal("person_not_found", curation.DeletePerson(999_999).Code);
        Assert.Equal("face_not_found", curation.DeleteFace(999_999).Code);

        Assert.Equal(first.Name, store.GetPerson(first.Id)!.Name);
        Assert.Equal(count, live.Current.Count);
        Assert.Equal(CurationStatus.Done, curation.Rename(first.Id, first.Name + "  ").Status); // its own name: nothing to refuse
    }

    [SharedDataFact("data/lfw")]
    public void FindPeople_CaseInsensitiveSubstring_PagedInNameOrder()
    {
        using var data = gallery.CopyDataDirectory();
        using var services = GalleryServices.Create(data.Path);
        var store = services.GetRequiredService<IGalleryStore>();
        var everyone = store.FindPeople(null, 0, GalleryLimits.MaxPeoplePageSize);
        var probe = gallery.HeldBack[0].Person;

        var found = store.FindPeople(probe.ToUpperInvariant()[..5], 0, 10);
        var page2 = store.FindPeople(null, 3, 3);

        Assert.Equal(gallery.HeldBack.Count, everyone.Total);
        Assert.Contains(found.People, p => p.Name == probe);
        Assert.Equal(everyone.People.Skip(3).Take(3).Select(p => p.Id), page2.People.Select(p => p.Id));
        Assert.Equal(everyone.Total, page2.Total);
        Assert.All(everyone.People, p => Assert.True(p.FaceCount > 0 && p.FirstFaceId is not null));
        Assert.Equal(0, store.FindPeople("%_no such person_%", 0, 10).Total);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.FindPeople(null, 0, GalleryLimits.MaxPeoplePageSize + 1));
    }
}
