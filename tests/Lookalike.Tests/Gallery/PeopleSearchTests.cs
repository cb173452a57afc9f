using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary><see cref="MatchService.SearchPeople"/>: k counts distinct people, and each rank is rated against strangers at that rank.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class PeopleSearchTests(LfwGalleryFixture gallery)
{
    [Fact]
    public async Task SearchPeople_K5_FiveDistinctPeopleInDistanceOrder_SameAsExactPerPersonMinimum()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var matcher = services.GetRequiredService<MatchService>();
        var probe = gallery.HeldBack[3];
        var descriptor = matcher.Analyze(await File.ReadAllBytesAsync(probe.Path)).Faces[0].Descriptor;

        var result = matcher.SearchPeople(descriptor, 5, efSearch: 400);

        Assert.Equal(5, result.People.Count);
        Assert.Equal(5, result.People.Select(p => p.PersonId).Distinct().Count());
        Assert.Equal([1, 2, 3, 4, 5], result.People.Select(p => p.Rank));
        Assert.True(result.People.Zip(result.People.Skip(1)).All(pair => pair.First.BestDistance <= pair.Second.BestDistance));
        Assert.Equal(probe.Person, result.People[0].Person);

        // The truth from exact search over every face: each person's closest face, the five closest people.
        var snapshot = live.Current;
        var exact = snapshot.ExactSearch(descriptor, snapshot.Count)
            .GroupBy(n => snapshot.Faces[n.Label].PersonId)
            .Select(g => (PersonId: g.Key, Best: g.Min(n => n.Distance)))
            .OrderBy(p => p.Best).Take(5).ToList();
        Assert.Equal(exact.Select(p => p.PersonId), result.People.Select(p => p.PersonId));
        Assert.All(result.People.Zip(exact), pair => Assert.Equal(pair.Second.Best, pair.First.BestDistance, 5));
    }

    [Fact]
    public async Task StrangerRanks_LaterRanksSitFarther_SoATypicalSecondCardRatesNearTheMiddle()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var byRank = StrangerDistribution.SampleByRank(live.Current, 5);

        // rank 1 is the best-stranger distribution; this gallery is under 300 faces, so every face is a sample:
        // recompute it by brute force (each face's nearest face of another person, over all faces)
        var snapshot = live.Current;
        Assert.True(snapshot.Count <= StrangerDistribution.Samples);
        var (rows, count) = snapshot.RowView();
        var brute = rows.Take(count).Select(label =>
        {
            var person = snapshot.Faces[label].PersonId;
            return snapshot.ExactSearch(snapshot.VectorOf(label)!, count).First(n => snapshot.Faces[n.Label].PersonId != person).Distance;
        }).Order().ToArray();
        Assert.Equal(brute, byRank[0]);
        Assert.Equal(brute, snapshot.StrangerDistances());
        var medians = byRank.Select(r => r[r.Length / 2]).ToArray();
        Assert.True(medians.Zip(medians.Skip(1)).All(p => p.First <= p.Second), string.Join(", ", medians));

        // a distance at the median of strangers' 2nd look-alikes rates about 50 % at rank 2, far lower at rank 1
        var atRank2 = live.Current.StrangerPercentileAtRank(medians[1], 2)!.Value;
        var atRank1 = live.Current.StrangerPercentileAtRank(medians[1], 1)!.Value;
        Assert.InRange(atRank2, 0.4, 0.6);
        Assert.True(atRank1 < atRank2);
        Assert.Null(live.Current.StrangerPercentileAtRank(0.1f, 0));
    }
}
