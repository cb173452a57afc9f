using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Postgres;
using Lookalike.Gallery.Sqlite;
using Lookalike.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lookalike.Tests.Gallery;

/// <summary>What only the PostgreSQL adapter has: the versioned schema the app creates and migrates, and its choice by
/// configuration (<c>Lookalike:Store</c>). The shared contract is <see cref="GalleryStoreContractTests"/>.</summary>
public sealed class PostgresStoreTests
{
    private static ServiceProvider Services(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddLookalikeGalleryServices(configuration).BuildServiceProvider();
    }

    private static object? Scalar(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    [PostgresFact]
    public void Open_EmptySchema_CreatesCurrentVersion_ReopenMigratesNothing()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);

        var first = (PostgresGalleryStore)test.Store;
        var second = (PostgresGalleryStore)test.Reopen();

        Assert.Equal((0, PostgresSchema.CurrentVersion), (first.SchemaVersionFound, second.SchemaVersionFound));
        Assert.Equal((long)PostgresSchema.CurrentVersion, Scalar(test.ConnectionString!, "SELECT COUNT(*) FROM schema_version"));
        Assert.StartsWith("postgres://127.0.0.1:", first.Location, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", first.Location, StringComparison.OrdinalIgnoreCase);
    }

    [PostgresFact]
    public async Task Open_SeveralProcessesAtOnce_MigrateOnce()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        Scalar(test.ConnectionString!, "DROP TABLE changes, embeddings, faces, photos, people, meta, schema_version CASCADE; DROP SEQUENCE IF EXISTS face_ids");

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresGalleryStore(test.ConnectionString!))));

        Assert.Equal(1, stores.Count(s => s.SchemaVersionFound == 0));
        Assert.Equal((long)PostgresSchema.CurrentVersion, Scalar(test.ConnectionString!, "SELECT COUNT(*) FROM schema_version"));
        foreach (var store in stores)
        {
            store.Dispose();
        }
    }

    [PostgresFact]
    public void Open_SchemaNewerThanTheApp_IsRefusedSayingSo()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        Scalar(test.ConnectionString!, $"INSERT INTO schema_version(version) VALUES ({PostgresSchema.CurrentVersion + 1})");

        var error = Assert.Throws<InvalidOperationException>(() => new PostgresGalleryStore(test.ConnectionString!));

        Assert.Contains($"version {PostgresSchema.CurrentVersion + 1}, newer than this app's {PostgresSchema.CurrentVersion}", error.Message);
    }

    private static PhotoRecord Imported(string path, string person, float seed) => new(
        path, "hash-" + path, person, null, 1, 250, 250,
        new StoredFaceInput(new FaceBox(10, 20, 100, 120), [new Point2(40, 60), new Point2(80, 60)], 0.9f, [0xFF, 0xD8, 0xFF, 0xD9],
            Enumerable.Range(0, 128).Select(i => seed + i).ToArray()));

    [PostgresFact]
    public async Task ChangeLog_EachIndexChangingWrite_RecordsOneChangeInCommitOrder_AndNotifies()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        var store = (PostgresGalleryStore)test.Store;
        await using var listener = await store.OpenChangeListenerAsync(CancellationToken.None);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);

        var added = store.WriteBatch([Imported("/a/1.jpg", "Ada", 1), Imported("/a/2.jpg", "Ada", 2), Imported("/b/1.jpg", "Bob", 3), new PhotoRecord("/x.txt", null, null, "not an image", 0, 0, 0, null)]);
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "no notification after an import batch");
        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1)]); // a retried batch stores nothing: no change
        var ada = added[0].Face.PersonId;
        var bob = added[2].Face.PersonId;
        Assert.Equal(RenameOutcome.Renamed, store.RenamePerson(ada, "Ada L"));
        Assert.Equal(RenameOutcome.NameTaken, store.RenamePerson(bob, "Ada L")); // refused: no change
        Assert.NotNull(store.DeleteFace(added[1].Face.FaceId));
        Assert.NotNull(store.MergePeople(bob, ada));
        Assert.NotNull(store.DeletePerson(ada));
        Assert.Null(store.DeletePerson(ada)); // not found: no change

        var changes = store.ReadChanges(0, 100);
        Assert.Equal(
            [StoreChangeKind.FacesAdded, StoreChangeKind.PersonRenamed, StoreChangeKind.FacesRemoved, StoreChangeKind.PersonMerged, StoreChangeKind.FacesRemoved],
            changes.Select(c => c.Kind));
        Assert.Equal(added.Select(a => a.Face.FaceId), changes[0].FaceIds);
        Assert.Equal((ada, "Ada L"), (changes[1].PersonId!.Value, changes[1].Name!));
        Assert.Equal([added[1].Face.FaceId], changes[2].FaceIds);
        Assert.Equal((bob, ada, "Ada L"), (changes[3].PersonId!.Value, changes[3].NewPersonId!.Value, changes[3].Name!));
        Assert.Equal([added[0].Face.FaceId, added[2].Face.FaceId], changes[4].FaceIds.Order());
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "sequences do not increase");
        Assert.Equal(changes[^1].Sequence, store.GetChangeSequence());
        Assert.Equal(changes.Skip(3).Select(c => c.Sequence), store.ReadChanges(changes[2].Sequence, 100).Select(c => c.Sequence));
        while (payloads.Count < changes.Count)
        {
            Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), $"{payloads.Count} notifications for {changes.Count} changes");
        }
        Assert.Equal(changes.Select(c => c.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)), payloads);
    }

    [PostgresFact]
    public async Task ChangeLog_OnASchemaWithALongName_StillNotifies()
    {
        // 63 characters: the longest name PostgreSQL keeps; "<schema>.lookalike_changes" would be 81 and pg_notify
        // would refuse every write.
        using var test = TestStore.Open(StoreOptions.Postgres, "t_a_long_schema_name_channel_xx");
        var schema = new Npgsql.NpgsqlConnectionStringBuilder(test.ConnectionString!).SearchPath!;
        Assert.Equal(63, schema.Length);
        var store = (PostgresGalleryStore)test.Store;
        Assert.True(store.ChangeChannel.Length <= 63, store.ChangeChannel);
        await using var listener = await store.OpenChangeListenerAsync(CancellationToken.None);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);

        store.WriteBatch([Imported("/a/1.jpg", "Ada", 1)]);

        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "no notification on a long schema name");
        Assert.Equal([store.GetChangeSequence().ToString(System.Globalization.CultureInfo.InvariantCulture)], payloads);
    }

    [PostgresFact]
    public void Open_SchemaVersion1_MigratesToTheChangeLog()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        test.Store.WriteBatch([Imported("/a/1.jpg", "Ada", 1)]);
        Scalar(test.ConnectionString!, "DROP TABLE changes; ALTER TABLE faces DROP COLUMN age_years, DROP COLUMN male_probability; DELETE FROM schema_version WHERE version >= 2");

        var store = (PostgresGalleryStore)test.Reopen();

        Assert.Equal(1, store.SchemaVersionFound);
        Assert.Equal(0, store.GetChangeSequence()); // faces stored before the log are in every index's first load
        Assert.Equal(1, store.GetStats().Faces);
        store.WriteBatch([Imported("/a/2.jpg", "Ada", 2)]);
        Assert.Equal(StoreChangeKind.FacesAdded, Assert.Single(store.ReadChanges(0, 10)).Kind);
    }

    [PostgresFact]
    public void IndexSync_FollowsTheChangeLogOnPostgres_AndPollsOnSqlite()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        using var data = new TempDirectory();
        static ServiceProvider App(params (string Key, string? Value)[] settings)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Append(("Lookalike:Faces:ModelDirectory", TestPaths.Models)).Select(s => new KeyValuePair<string, string?>(s.Item1, s.Item2)))
                .Build();
            return Lookalike.Web.LookalikeExtensions.AddLookalikeGallery(new ServiceCollection().AddLogging(), configuration).BuildServiceProvider();
        }

        using var postgres = App(("Lookalike:DataDirectory", data.Path), ("Lookalike:Store:Provider", "postgres"), ("Lookalike:Store:ConnectionString", test.ConnectionString));
        using var sqlite = App(("Lookalike:DataDirectory", data.Path));

        Assert.IsType<PostgresIndexSync>(postgres.GetRequiredService<IIndexSync>());
        Assert.IsType<PollingIndexSync>(sqlite.GetRequiredService<IIndexSync>());
    }

    [PostgresFact]
    public void StoreProvider_Postgres_ResolvesThePostgresStoreOnTheConnectionString()
    {
        using var test = TestStore.Open(StoreOptions.Postgres);
        test.Store.SetMeta(("probe", "here"));

        using var services = Services(("Lookalike:Store:Provider", "Postgres"), ("Lookalike:Store:ConnectionString", test.ConnectionString));
        var store = services.GetRequiredService<IGalleryStore>();

        Assert.IsType<PostgresGalleryStore>(store);
        Assert.Equal("here", store.GetMeta("probe"));
    }

    [Fact]
    public void StoreProvider_Unset_IsSqliteInTheDataDirectory()
    {
        using var data = new TempDirectory();
        using var services = Services(("Lookalike:DataDirectory", data.Path));

        var store = Assert.IsType<SqliteGalleryStore>(services.GetRequiredService<IGalleryStore>());

        Assert.Equal(Path.Combine(data.Path, "gallery.db"), store.DatabasePath);
    }

    [Theory]
    [InlineData("mysql", null, "Lookalike:Store:Provider must be 'sqlite' or 'postgres'.")]
    [InlineData("postgres", null, "Lookalike:Store:ConnectionString must be set when Lookalike:Store:Provider is 'postgres'.")]
    [InlineData("postgres", " ", "Lookalike:Store:ConnectionString must be set when Lookalike:Store:Provider is 'postgres'.")]
    public void StoreOptions_Invalid_AreRefusedAtStartWithTheKey(string provider, string? connectionString, string message)
    {
        using var services = Services(("Lookalike:Store:Provider", provider), ("Lookalike:Store:ConnectionString", connectionString));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LookalikeOptions>>().Value);

        Assert.Contains(message, error.Message);
    }
}
