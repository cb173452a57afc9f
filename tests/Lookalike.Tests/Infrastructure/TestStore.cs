using Lookalike.Gallery;
using Lookalike.Gallery.Postgres;
using Lookalike.Gallery.Sqlite;
using Npgsql;

namespace Lookalike.Tests.Infrastructure;

/// <summary>
/// A fresh, empty gallery store of either adapter, deleted on dispose: SQLite in a temporary folder, or PostgreSQL in a
/// schema of its own (<c>t_&lt;guid&gt;</c>, dropped on dispose) on the server of <c>LOOKALIKE_TEST_POSTGRES</c>.
/// </summary>
public sealed class TestStore : IDisposable
{
    /// <summary>The environment variable naming the test server (<c>.ci/postgres.sh start</c> prints it).</summary>
    public const string PostgresVariable = "LOOKALIKE_TEST_POSTGRES";

    private readonly TempDirectory? _directory;
    private readonly List<IDisposable> _opened = [];

    private TestStore(string provider, TempDirectory? directory, string? connectionString)
    {
        Provider = provider;
        _directory = directory;
        ConnectionString = connectionString;
        Store = Reopen();
    }

    /// <summary>The connection string of the test server, or null when <see cref="PostgresVariable"/> is not set.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    /// <summary>Null when the test server is configured, else the skip reason.</summary>
    public static string? PostgresSkipReason => PostgresServer is null
        ? $"needs {PostgresVariable}: run .ci/postgres.sh start and export the line it prints (.ci/run does both)"
        : null;

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public string Provider { get; }

    /// <summary>The store opened first.</summary>
    public IGalleryStore Store { get; }

    /// <summary>The data directory (SQLite), or null.</summary>
    public string? DataDirectory => _directory?.Path;

    /// <summary>The connection string with this store's schema as the search path (PostgreSQL), or null.</summary>
    public string? ConnectionString { get; }

    /// <summary>Opens a fresh store of <paramref name="provider"/>; on PostgreSQL in a new schema named
    /// <paramref name="schemaPrefix"/> (default <c>t_</c>) and 32 hex digits.</summary>
    public static TestStore Open(string provider, string schemaPrefix = "t_")
    {
        if (provider == StoreOptions.Sqlite)
        {
            return new TestStore(provider, new TempDirectory("lookalike-store"), null);
        }
        var server = PostgresServer ?? throw new InvalidOperationException(PostgresSkipReason);
        var schema = schemaPrefix + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            command.ExecuteNonQuery();
        }
        return new TestStore(provider, null, new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ToString());
    }

    /// <summary>Another store instance over the same data (as a second process or a restart opens it).</summary>
    public IGalleryStore Reopen()
    {
        IGalleryStore store = Provider == StoreOptions.Sqlite ? new SqliteGalleryStore(_directory!.Path) : new PostgresGalleryStore(ConnectionString!);
        if (store is IDisposable disposable)
        {
            _opened.Add(disposable);
        }
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }
        _directory?.Dispose();
        if (ConnectionString is not null)
        {
            var schema = new NpgsqlConnectionStringBuilder(ConnectionString).SearchPath;
            using var connection = new NpgsqlConnection(PostgresServer);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            command.ExecuteNonQuery();
        }
    }
}
