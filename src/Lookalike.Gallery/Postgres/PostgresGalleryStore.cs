using System.Globalization;
using Lookalike.Faces;
using Lookalike.Index;
using Npgsql;

namespace Lookalike.Gallery.Postgres;

/// <summary>
/// The gallery store on a PostgreSQL server, for several app processes over one store: the same tables and semantics as
/// <see cref="Sqlite.SqliteGalleryStore"/> (people, photos with source path, content hash, status and skip reason, faces,
/// descriptors, metadata), created and migrated by the app (<see cref="PostgresSchema"/>, versioned in
/// <c>schema_version</c>). Every write is one transaction. Thread-safe: each call takes a pooled connection from one
/// <see cref="NpgsqlDataSource"/>, which <see cref="Dispose"/> closes.
/// </summary>
public sealed partial class PostgresGalleryStore : IGalleryStore, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _connectionString;

    /// <summary>Connects to <paramref name="connectionString"/> (an Npgsql connection string) and migrates the schema.</summary>
    /// <exception cref="ArgumentException">The connection string is blank.</exception>
    /// <exception cref="InvalidOperationException">The schema is newer than this app.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    public PostgresGalleryStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"postgres://{builder.Host}:{builder.Port}/{builder.Database}" + (string.IsNullOrEmpty(builder.SearchPath) ? "" : $" (schema {builder.SearchPath})");
        _connectionString = builder.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            SchemaVersionFound = PostgresSchema.Migrate(_dataSource);
            ReadChangeChannel();
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }
    }

    /// <summary>The schema version the store had before this instance migrated it (0: it was created now).</summary>
    public int SchemaVersionFound { get; }

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public void Dispose() => _dataSource.Dispose();

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) => new(sql, connection, transaction);

    /// <summary>
    /// Serializes the store's row writes (import batches, model changes, curation) across every process on this store until
    /// the transaction ends, as SQLite's single writer does: face ids are handed out in commit order, and two importers
    /// locking the same people in different orders cannot deadlock.
    /// </summary>
    private static void LockWrites(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = Command(connection, "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.lookalike.writes'))", transaction);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public string? GetMeta(string key)
    {
        using var connection = _dataSource.OpenConnection();
        return GetMeta(connection, null, key);
    }

    private static string? GetMeta(NpgsqlConnection connection, NpgsqlTransaction? transaction, string key)
    {
        using var command = new NpgsqlCommand("SELECT value FROM meta WHERE key = @k", connection, transaction);
        command.Parameters.AddWithValue("k", key);
        return command.ExecuteScalar() as string;
    }

    /// <inheritdoc/>
    public void SetMeta(params (string Key, string Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        foreach (var (key, value) in values)
        {
            using var command = Command(connection, "INSERT INTO meta(key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", transaction);
            command.Parameters.AddWithValue("k", key);
            command.Parameters.AddWithValue("v", value);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <inheritdoc/>
    public ModelIdentity? GetModel()
    {
        using var connection = _dataSource.OpenConnection();
        return GetModel(connection, null);
    }

    private static ModelIdentity? GetModel(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var name = GetMeta(connection, transaction, "model.name");
        var hash = GetMeta(connection, transaction, "model.sha256");
        var dim = GetMeta(connection, transaction, "model.dimension");
        return name is null || hash is null ? null : new ModelIdentity(name, hash, dim is null ? 0 : int.Parse(dim, CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public int EnsureModel(ModelIdentity model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction); // two processes starting with a new model clear the stale rows once
        var stored = GetModel(connection, transaction);
        var cleared = 0;
        if (stored is not null && (stored.Name != model.Name || stored.WeightsSha256 != model.WeightsSha256 || (stored.Dimension != 0 && stored.Dimension != model.Dimension)))
        {
            var clearedFaces = new List<long>();
            using (var command = Command(connection, "SELECT id FROM faces ORDER BY id", transaction))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    clearedFaces.Add(reader.GetInt64(0));
                }
            }
            if (clearedFaces.Count > 0)
            {
                RecordChange(connection, transaction, "faces_removed", clearedFaces);
            }
            using (var command = Command(connection, "DELETE FROM embeddings; DELETE FROM faces;", transaction))
            {
                command.ExecuteNonQuery();
            }
            using var delete = Command(connection, "DELETE FROM photos WHERE status = 'imported'", transaction);
            cleared = delete.ExecuteNonQuery();
        }
        if (stored != model)
        {
            foreach (var (key, value) in new[] { ("model.name", model.Name), ("model.sha256", model.WeightsSha256), ("model.dimension", model.Dimension.ToString(CultureInfo.InvariantCulture)) })
            {
                using var command = Command(connection, "INSERT INTO meta(key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", transaction);
                command.Parameters.AddWithValue("k", key);
                command.Parameters.AddWithValue("v", value);
                command.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return cleared;
    }

    /// <inheritdoc/>
    public HnswOptions? GetIndexParameters()
    {
        var m = GetMeta("index.m");
        var efc = GetMeta("index.efConstruction");
        var efs = GetMeta("index.efSearch");
        if (m is null || efc is null || efs is null)
        {
            return null;
        }
        return GalleryIndexParameters.Create(
            int.Parse(m, CultureInfo.InvariantCulture),
            int.Parse(efc, CultureInfo.InvariantCulture),
            int.Parse(efs, CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public void SetIndexParameters(HnswOptions parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        SetMeta(
            ("index.m", parameters.M.ToString(CultureInfo.InvariantCulture)),
            ("index.efConstruction", parameters.EfConstruction.ToString(CultureInfo.InvariantCulture)),
            ("index.efSearch", parameters.DefaultEfSearch.ToString(CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc/>
    public HashSet<string> GetKnownSourcePaths()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT source_path FROM photos");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            set.Add(reader.GetString(0));
        }
        return set;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetImportedSourcePaths(int limit)
    {
        var list = new List<string>();
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT source_path FROM photos WHERE status = 'imported' AND strpos(source_path, '!') = 0 AND source_path NOT LIKE 'upload:%' ORDER BY id LIMIT @n");
        command.Parameters.AddWithValue("n", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }
        return list;
    }

    /// <inheritdoc/>
    public Dictionary<string, string> GetImportedHashes()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT sha256, source_path FROM photos WHERE status = 'imported' AND sha256 IS NOT NULL");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            map.TryAdd(reader.GetString(0), reader.GetString(1));
        }
        return map;
    }
}
