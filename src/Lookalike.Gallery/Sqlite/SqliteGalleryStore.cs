using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lookalike.Faces;
using Lookalike.Index;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Lookalike.Gallery.Sqlite;

/// <summary>
/// The embedded gallery store: one SQLite file (<c>gallery.db</c>) in the data directory holding people, photos
/// (source path, content hash, status, skip reason), faces (box, keypoints, score, thumbnail, float32 descriptor) and
/// metadata (model identity, index parameters). Every write is one transaction; WAL journaling keeps readers unblocked.
/// Thread-safe: each call opens a pooled connection.
/// </summary>
public sealed partial class SqliteGalleryStore : IGalleryStore
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS photos (
            id INTEGER PRIMARY KEY,
            source_path TEXT NOT NULL UNIQUE,
            sha256 TEXT,
            person_id INTEGER REFERENCES people(id),
            status TEXT NOT NULL CHECK (status IN ('imported', 'skipped')),
            skip_reason TEXT,
            face_count INTEGER NOT NULL DEFAULT 0,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            added_utc TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS photos_sha256 ON photos(sha256);
        CREATE TABLE IF NOT EXISTS faces (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES photos(id),
            person_id INTEGER NOT NULL REFERENCES people(id),
            x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
            keypoints TEXT NOT NULL,
            score REAL NOT NULL,
            thumbnail BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS faces_person ON faces(person_id);
        CREATE TABLE IF NOT EXISTS embeddings (face_id INTEGER PRIMARY KEY REFERENCES faces(id), vector BLOB NOT NULL);
        """;

    private readonly string _connectionString;

    /// <summary>Opens (creating when needed) the store in the configured data directory.</summary>
    public SqliteGalleryStore(IOptions<LookalikeOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.DataDirectoryFullPath)
    {
    }

    /// <summary>Opens (creating when needed) the store in <paramref name="dataDirectory"/>.</summary>
    public SqliteGalleryStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        DataDirectory = dataDirectory;
        DatabasePath = Path.Combine(dataDirectory, "gallery.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        Execute(connection, Schema);
        Migrate(connection);
    }

    /// <summary>Numbered migrations after the base schema, recorded in <c>PRAGMA user_version</c>; index i is version i + 1.
    /// Append only.</summary>
    private static readonly string[] Migrations =
    [
        // 1: the age/sex estimate of each face (AgeGenderNet on its thumbnail); null until estimated (import or backfill).
        "ALTER TABLE faces ADD COLUMN age_years REAL; ALTER TABLE faces ADD COLUMN male_probability REAL;",
    ];

    private static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "PRAGMA user_version";
        var found = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (found > Migrations.Length)
        {
            throw new InvalidOperationException($"The gallery store's schema is version {found}, newer than this app's {Migrations.Length}: update the app.");
        }
        for (var version = found + 1; version <= Migrations.Length; version++)
        {
            Execute(connection, Migrations[version - 1], transaction);
            Execute(connection, $"PRAGMA user_version = {version}", transaction);
        }
        transaction.Commit();
    }

    /// <summary>The folder holding <c>gallery.db</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The SQLite file, <c>gallery.db</c>.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc/>
    public string Location => DatabasePath;

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public string? GetMeta(string key)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    /// <inheritdoc/>
    public void SetMeta(params (string Key, string Value)[] values)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        foreach (var (key, value) in values)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$k", key);
            command.Parameters.AddWithValue("$v", value);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <inheritdoc/>
    public ModelIdentity? GetModel()
    {
        var name = GetMeta("model.name");
        var hash = GetMeta("model.sha256");
        var dim = GetMeta("model.dimension");
        // Stores made before the dimension was recorded say nothing: 0 means "not recorded" and is not compared.
        return name is null || hash is null ? null : new ModelIdentity(name, hash, dim is null ? 0 : int.Parse(dim, CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public int EnsureModel(ModelIdentity model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stored = GetModel();
        var cleared = 0;
        if (stored is not null && (stored.Name != model.Name || stored.WeightsSha256 != model.WeightsSha256 || (stored.Dimension != 0 && stored.Dimension != model.Dimension)))
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            Execute(connection, "DELETE FROM embeddings; DELETE FROM faces;", transaction);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM photos WHERE status = 'imported'";
            cleared = command.ExecuteNonQuery();
            transaction.Commit();
        }
        if (stored != model)
        {
            SetMeta(("model.name", model.Name), ("model.sha256", model.WeightsSha256), ("model.dimension", model.Dimension.ToString(CultureInfo.InvariantCulture)));
        }
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
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT source_path FROM photos";
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
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT source_path FROM photos WHERE status = 'imported' AND instr(source_path, '!') = 0 AND source_path NOT LIKE 'upload:%' ORDER BY id LIMIT $n";
        command.Parameters.AddWithValue("$n", limit);
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
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sha256, source_path FROM photos WHERE status = 'imported' AND sha256 IS NOT NULL";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            map.TryAdd(reader.GetString(0), reader.GetString(1));
        }
        return map;
    }
}
