using Lookalike.Gallery;
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
        Scalar(test.ConnectionString!, "DROP TABLE embeddings, faces, photos, people, meta, schema_version CASCADE; DROP SEQUENCE IF EXISTS face_ids");

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
