using Lookalike.Faces.AgeGender;
using Lookalike.Gallery;
using Lookalike.Gallery.Estimates;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Lookalike.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>
/// The same-sex filter over the imported LFW slice: estimates stored at import from the thumbnails, the filtered people
/// search equal to an exact per-person search over the faces of that sex, the backfill reproducing the import's
/// estimates from the stored thumbnails, and the SQLite migration that adds the columns to an older store.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class SameSexFilterTests(LfwGalleryFixture gallery)
{
    [SharedDataFact("data/lfw")]
    public async Task Import_StoresAnEstimateForEveryFace_BothSexesPresent()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var store = services.GetRequiredService<IGalleryStore>();

        var estimates = store.GetEstimates(live.Current.Faces.Keys.ToList());

        Assert.Equal(0, store.CountFacesWithoutEstimate());
        Assert.Equal(live.Current.Count, estimates.Count);
        Assert.All(estimates.Values, e => Assert.InRange(e.MaleProbability, 0f, 1f));
        Assert.All(estimates.Values, e => Assert.InRange(e.AgeYears, 1f, 100f));
        var sexes = estimates.Values.GroupBy(e => e.Sex).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(sexes.GetValueOrDefault(EstimatedSex.Male) > 10 && sexes.GetValueOrDefault(EstimatedSex.Female) > 10,
            string.Join(", ", sexes.Select(p => $"{p.Key} {p.Value}")));
    }

    [SharedDataFact("data/lfw")]
    public async Task SearchPeople_SameSex_EqualsExactPerPersonSearchOverThatSex_AndChangesMixedLists()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var matcher = services.GetRequiredService<MatchService>();
        var store = services.GetRequiredService<IGalleryStore>();
        var snapshot = live.Current;
        var estimates = store.GetEstimates(snapshot.Faces.Keys.ToList());
        var changed = 0;
        var checkedProbes = 0;
        foreach (var probe in gallery.HeldBack.Take(12))
        {
            var face = matcher.Analyze(await File.ReadAllBytesAsync(probe.Path)).Faces[0];
            var sex = matcher.EstimateAgeSex(face).Sex;
            if (sex == EstimatedSex.Unknown)
            {
                continue;
            }
            checkedProbes++;

            var filtered = matcher.SearchPeople(face.Descriptor, 5, efSearch: 400, sameSexAs: sex);
            var plain = matcher.SearchPeople(face.Descriptor, 5, efSearch: 400);

            Assert.Equal(sex, filtered.FilteredTo);
            Assert.Null(plain.FilteredTo);
            Assert.All(filtered.People, p => Assert.Equal(sex, p.Estimate!.Value.Sex));
            // the truth: exact search over the faces estimated as that sex, each person's closest face, five closest people
            var exact = snapshot.ExactSearch(face.Descriptor, snapshot.Count)
                .Where(n => estimates[n.Label].Sex == sex)
                .GroupBy(n => snapshot.Faces[n.Label].PersonId)
                .Select(g => (PersonId: g.Key, Best: g.Min(n => n.Distance)))
                .OrderBy(p => p.Best).Take(5).ToList();
            Assert.Equal(exact.Select(p => p.PersonId), filtered.People.Select(p => p.PersonId));
            if (!plain.People.Select(p => p.PersonId).SequenceEqual(filtered.People.Select(p => p.PersonId)))
            {
                changed++;
                Assert.Contains(plain.People, p => p.Estimate!.Value.Sex != sex);
            }
        }
        Assert.True(checkedProbes >= 8, $"{checkedProbes} probes with a clear sex");
        Assert.True(changed > 0, "the filter changed no list");
    }

    [SharedDataFact("data/lfw")]
    public async Task Evaluation_AgreementAndChangedLists_CountedOverTheSlice()
    {
        using var services = GalleryServices.Create(gallery.DataDirectory);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        var snapshot = live.Current;
        var estimates = services.GetRequiredService<IGalleryStore>().GetEstimates(snapshot.Faces.Keys.ToList());

        var report = SameSexEvaluation.Run(snapshot, estimates, minFaces: 3, topPeople: 10, maxProbes: 40);

        // every person of the slice has 3 or 4 faces stored
        Assert.Equal(snapshot.Faces.Values.GroupBy(f => f.PersonId).Count(g => g.Count() >= 3), report.People);
        Assert.InRange(report.AgreeingFaces, 0.8 * report.PeopleFaces, report.PeopleFaces);
        Assert.InRange(report.Probes, 30, 40);
        Assert.InRange(report.ListsChanged, 1, report.Probes);
        Assert.True(report.OtherSexInUnfiltered > 0);
        Assert.Contains("change with the same-sex filter", report.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => SameSexEvaluation.Run(snapshot, estimates, 1, 10, 40));
    }

    [SharedDataFact("data/lfw")]
    public async Task Backfill_FromStoredThumbnails_GivesTheImportsEstimates_AndAnUnreadableThumbnailIsNotRetried()
    {
        using var copy = gallery.CopyDataDirectory();
        var db = Path.Combine(copy.Path, "gallery.db");
        long broken;
        Dictionary<long, AgeGenderEstimate> atImport;
        using (var services = GalleryServices.Create(copy.Path))
        {
            var store = services.GetRequiredService<IGalleryStore>();
            var ids = store.GetFaceFingerprint();
            atImport = store.GetEstimates(Enumerable.Range(1, (int)ids.MaxFaceId).Select(i => (long)i).ToList())
                .ToDictionary(p => p.Key, p => p.Value);
            broken = atImport.Keys.Max();
        }
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE faces SET age_years = NULL, male_probability = NULL; UPDATE faces SET thumbnail = x'00010203' WHERE id = $id";
            command.Parameters.AddWithValue("$id", broken);
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        using (var services = GalleryServices.Create(copy.Path))
        {
            var store = services.GetRequiredService<IGalleryStore>();
            Assert.Equal(atImport.Count, store.CountFacesWithoutEstimate());
            var reports = new List<(int Done, int Total)>();

            var done = services.GetRequiredService<FaceEstimateBackfill>().Run(new SyncProgress(reports.Add));

            Assert.Equal(atImport.Count, done);
            Assert.Equal(0, store.CountFacesWithoutEstimate());
            Assert.Equal(atImport.Count, reports[^1].Done);
            var after = store.GetEstimates(atImport.Keys.ToList());
            Assert.Equal(atImport.Count, after.Count);
            foreach (var (id, estimate) in atImport.Where(p => p.Key != broken))
            {
                Assert.Equal(estimate.MaleProbability, after[id].MaleProbability, 4);
                Assert.Equal(estimate.AgeYears, after[id].AgeYears, 2);
            }
            Assert.Equal(0.5f, after[broken].MaleProbability);
            Assert.Equal(EstimatedSex.Unknown, after[broken].Sex);
            Assert.True(float.IsNaN(after[broken].AgeYears));
            Assert.Equal(0, services.GetRequiredService<FaceEstimateBackfill>().Run());
        }
    }

    [Fact]
    public void SqliteStore_WithoutTheEstimateColumns_IsMigrated_AndANewerSchemaIsRefused()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "gallery.db");
        _ = new SqliteGalleryStore(dir.Path);
        SqliteConnection.ClearAllPools();
        // make it a store of the previous build: the columns and the version number gone
        Execute(db, "ALTER TABLE faces DROP COLUMN age_years; ALTER TABLE faces DROP COLUMN male_probability; PRAGMA user_version = 0;");
        Assert.DoesNotContain("male_probability", Columns(db));

        Assert.Equal(0, new SqliteGalleryStore(dir.Path).CountFacesWithoutEstimate());
        SqliteConnection.ClearAllPools();
        Assert.Contains("male_probability", Columns(db));
        Assert.Contains("age_years", Columns(db));
        Assert.Equal(1L, Scalar(db, "PRAGMA user_version"));

        Execute(db, "PRAGMA user_version = 7;");
        var e = Assert.Throws<InvalidOperationException>(() => new SqliteGalleryStore(dir.Path));
        Assert.Contains("newer", e.Message);
    }

    private static void Execute(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static List<string> Columns(string db)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('faces')";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }

    private sealed class SyncProgress(Action<(int, int)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
