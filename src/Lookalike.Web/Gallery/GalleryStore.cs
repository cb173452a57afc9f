using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lookalike.Faces;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Gallery;

/// <summary>A face to store with its photo: detection, descriptor (float[128]) and 112×112 JPEG thumbnail.</summary>
public sealed record StoredFaceInput(FaceBox Box, IReadOnlyList<Point2> Keypoints, float Score, byte[] Thumbnail, float[] Descriptor);

/// <summary>One import outcome: an imported photo (with <see cref="Face"/>) or a skipped file (with <see cref="SkipReason"/>).</summary>
public sealed record PhotoRecord(string SourcePath, string? Sha256, string? Person, string? SkipReason, int FaceCount, int Width, int Height, StoredFaceInput? Face);

/// <summary>What the index needs to know about a stored face: its id (the index label), photo and person.</summary>
public sealed record FaceRef(long FaceId, long PhotoId, long PersonId, string Person);

/// <summary>A person and the faces stored for them.</summary>
public sealed record PersonRecord(long Id, string Name, IReadOnlyList<PersonFace> Faces);

/// <summary>A stored face of a person, with the photo it came from.</summary>
public sealed record PersonFace(long FaceId, long PhotoId, string SourcePath, int FaceCount, float Score);

/// <summary>A skipped file and why.</summary>
public sealed record SkippedFile(string SourcePath, string Reason);

/// <summary>Counts of the store.</summary>
public sealed record GalleryStats(int People, int Photos, int Imported, int Skipped, int Faces, string? ModelName, string? ModelHash, IReadOnlyList<(string Reason, int Count)> SkipReasons, long DatabaseBytes);

/// <summary>
/// The embedded gallery store: one SQLite file (<c>gallery.db</c>) in the data directory holding people, photos
/// (source path, content hash, status, skip reason), faces (box, keypoints, score, thumbnail, float32 descriptor) and
/// metadata (model identity, index parameters). Every write is one transaction; WAL journaling keeps readers unblocked.
/// Thread-safe: each call opens a pooled connection.
/// </summary>
public sealed class GalleryStore
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

    public GalleryStore(IOptions<LookalikeOptions> options)
        : this(options.Value.DataDirectoryFullPath)
    {
    }

    /// <summary>Opens (creating when needed) the store in <paramref name="dataDirectory"/>.</summary>
    public GalleryStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        DataDirectory = dataDirectory;
        DatabasePath = Path.Combine(dataDirectory, "gallery.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        Execute(connection, Schema);
    }

    public string DataDirectory { get; }

    public string DatabasePath { get; }

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

    /// <summary>A metadata value, or null.</summary>
    public string? GetMeta(string key)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Sets several metadata values in one transaction.</summary>
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

    /// <summary>The model that produced the stored descriptors, or null when none is stored yet.</summary>
    public ModelIdentity? GetModel()
    {
        var name = GetMeta("model.name");
        var hash = GetMeta("model.sha256");
        var dim = GetMeta("model.dimension");
        return name is null || hash is null ? null : new ModelIdentity(name, hash, int.Parse(dim ?? "128", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Records the current model. When the store holds descriptors of a different model they are stale: every
    /// imported photo and its face are deleted (so the next import embeds them again) and the count is returned.
    /// </summary>
    public int EnsureModel(ModelIdentity model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stored = GetModel();
        var cleared = 0;
        if (stored is not null && (stored.Name != model.Name || stored.WeightsSha256 != model.WeightsSha256 || stored.Dimension != model.Dimension))
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

    /// <summary>The index parameters stored by the tuning page, or null.</summary>
    public IndexParameters? GetIndexParameters()
    {
        var m = GetMeta("index.m");
        var efc = GetMeta("index.efConstruction");
        var efs = GetMeta("index.efSearch");
        if (m is null || efc is null || efs is null)
        {
            return null;
        }
        return new IndexParameters
        {
            M = int.Parse(m, CultureInfo.InvariantCulture),
            EfConstruction = int.Parse(efc, CultureInfo.InvariantCulture),
            EfSearch = int.Parse(efs, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Persists index parameters (they win over appsettings on the next start).</summary>
    public void SetIndexParameters(IndexParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        SetMeta(
            ("index.m", parameters.M.ToString(CultureInfo.InvariantCulture)),
            ("index.efConstruction", parameters.EfConstruction.ToString(CultureInfo.InvariantCulture)),
            ("index.efSearch", parameters.EfSearch.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Every source path already recorded (imported or skipped): a re-import leaves these alone.</summary>
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

    /// <summary>Source paths of the first <paramref name="limit"/> imported photos (folder imports only: zip entries are left out).</summary>
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

    /// <summary>Content hash → source path of every imported photo.</summary>
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

    /// <summary>
    /// Writes a batch of outcomes in one transaction and returns the stored faces (new index labels) with their descriptors.
    /// Paths already recorded are ignored, so a retried batch cannot duplicate rows.
    /// </summary>
    public IReadOnlyList<(FaceRef Face, float[] Descriptor)> WriteBatch(IReadOnlyList<PhotoRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var added = new List<(FaceRef, float[])>();
        if (records.Count == 0)
        {
            return added;
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        foreach (var record in records)
        {
            long? personId = record.Person is null || record.Face is null ? null : UpsertPerson(connection, transaction, record.Person);
            long photoId;
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO photos(source_path, sha256, person_id, status, skip_reason, face_count, width, height, added_utc)
                    VALUES ($p, $h, $person, $s, $r, $fc, $w, $ht, $t)
                    ON CONFLICT(source_path) DO NOTHING
                    RETURNING id
                    """;
                command.Parameters.AddWithValue("$p", record.SourcePath);
                command.Parameters.AddWithValue("$h", (object?)record.Sha256 ?? DBNull.Value);
                command.Parameters.AddWithValue("$person", (object?)personId ?? DBNull.Value);
                command.Parameters.AddWithValue("$s", record.Face is null ? "skipped" : "imported");
                command.Parameters.AddWithValue("$r", (object?)record.SkipReason ?? DBNull.Value);
                command.Parameters.AddWithValue("$fc", record.FaceCount);
                command.Parameters.AddWithValue("$w", record.Width);
                command.Parameters.AddWithValue("$ht", record.Height);
                command.Parameters.AddWithValue("$t", now);
                var id = command.ExecuteScalar();
                if (id is null)
                {
                    continue;
                }
                photoId = (long)id;
            }
            if (record.Face is not { } face || personId is not { } pid)
            {
                continue;
            }
            long faceId;
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO faces(photo_id, person_id, x, y, w, h, keypoints, score, thumbnail)
                    VALUES ($photo, $person, $x, $y, $w, $h, $k, $s, $t) RETURNING id
                    """;
                command.Parameters.AddWithValue("$photo", photoId);
                command.Parameters.AddWithValue("$person", pid);
                command.Parameters.AddWithValue("$x", face.Box.X);
                command.Parameters.AddWithValue("$y", face.Box.Y);
                command.Parameters.AddWithValue("$w", face.Box.Width);
                command.Parameters.AddWithValue("$h", face.Box.Height);
                command.Parameters.AddWithValue("$k", FormatKeypoints(face.Keypoints));
                command.Parameters.AddWithValue("$s", face.Score);
                command.Parameters.AddWithValue("$t", face.Thumbnail);
                faceId = (long)command.ExecuteScalar()!;
            }
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO embeddings(face_id, vector) VALUES ($f, $v)";
                command.Parameters.AddWithValue("$f", faceId);
                command.Parameters.AddWithValue("$v", MemoryMarshal.AsBytes(face.Descriptor.AsSpan()).ToArray());
                command.ExecuteNonQuery();
            }
            added.Add((new FaceRef(faceId, photoId, pid, record.Person!), face.Descriptor));
        }
        transaction.Commit();
        return added;
    }

    private static long UpsertPerson(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO people(name) VALUES ($n) ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id";
        command.Parameters.AddWithValue("$n", name);
        return (long)command.ExecuteScalar()!;
    }

    private static string FormatKeypoints(IReadOnlyList<Point2> points)
    {
        var builder = new StringBuilder();
        foreach (var p in points)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }
            builder.Append(p.X.ToString("0.##", CultureInfo.InvariantCulture)).Append(',').Append(p.Y.ToString("0.##", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>Number of stored faces and the largest face id: together the store's fingerprint for the index file.</summary>
    public (int Count, long MaxId) GetFaceFingerprint()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(MAX(face_id), 0) FROM embeddings";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <summary>Reads every stored face with its descriptor, ordered by face id: labels and a row-major [n, dimension] block.</summary>
    public (FaceRef[] Faces, float[] Vectors) ReadAllEmbeddings(int dimension)
    {
        var faces = new List<FaceRef>();
        var vectors = new List<float>();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT f.id, f.photo_id, f.person_id, p.name, e.vector
            FROM faces f JOIN embeddings e ON e.face_id = f.id JOIN people p ON p.id = f.person_id
            ORDER BY f.id
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var blob = (byte[])reader.GetValue(4);
            var vector = MemoryMarshal.Cast<byte, float>(blob);
            if (vector.Length != dimension)
            {
                throw new InvalidDataException($"Stored descriptor of face {reader.GetInt64(0)} has {vector.Length} dimensions; expected {dimension}.");
            }
            faces.Add(new FaceRef(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            foreach (var v in vector)
            {
                vectors.Add(v);
            }
        }
        return (faces.ToArray(), vectors.ToArray());
    }

    /// <summary>The JPEG thumbnail of a face, or null.</summary>
    public byte[]? GetThumbnail(long faceId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT thumbnail FROM faces WHERE id = $id";
        command.Parameters.AddWithValue("$id", faceId);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>A person with all stored faces, or null.</summary>
    public PersonRecord? GetPerson(long personId)
    {
        using var connection = Open();
        string? name;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM people WHERE id = $id";
            command.Parameters.AddWithValue("$id", personId);
            name = command.ExecuteScalar() as string;
        }
        if (name is null)
        {
            return null;
        }
        var faces = new List<PersonFace>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT f.id, f.photo_id, ph.source_path, ph.face_count, f.score
                FROM faces f JOIN photos ph ON ph.id = f.photo_id WHERE f.person_id = $id ORDER BY f.id
                """;
            command.Parameters.AddWithValue("$id", personId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                faces.Add(new PersonFace(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetFloat(4)));
            }
        }
        return new PersonRecord(personId, name, faces);
    }

    /// <summary>Skipped files with reasons, newest first.</summary>
    public IReadOnlyList<SkippedFile> GetSkipped(int limit = 200)
    {
        var list = new List<SkippedFile>();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT source_path, skip_reason FROM photos WHERE status = 'skipped' ORDER BY id DESC LIMIT $n";
        command.Parameters.AddWithValue("$n", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new SkippedFile(reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1)));
        }
        return list;
    }

    /// <summary>Counts of people, photos, skips (by reason) and faces.</summary>
    public GalleryStats GetStats()
    {
        using var connection = Open();
        int Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        var reasons = new List<(string, int)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT CASE WHEN instr(skip_reason, ':') > 0 THEN substr(skip_reason, 1, instr(skip_reason, ':') - 1) ELSE skip_reason END AS r, COUNT(*)
                FROM photos WHERE status = 'skipped' GROUP BY r ORDER BY COUNT(*) DESC
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                reasons.Add((reader.IsDBNull(0) ? "" : reader.GetString(0), reader.GetInt32(1)));
            }
        }
        var model = GetModel();
        var bytes = (File.Exists(DatabasePath) ? new FileInfo(DatabasePath).Length : 0)
            + (File.Exists(DatabasePath + "-wal") ? new FileInfo(DatabasePath + "-wal").Length : 0);
        return new GalleryStats(
            Scalar("SELECT COUNT(*) FROM people WHERE id IN (SELECT person_id FROM faces)"),
            Scalar("SELECT COUNT(*) FROM photos"),
            Scalar("SELECT COUNT(*) FROM photos WHERE status = 'imported'"),
            Scalar("SELECT COUNT(*) FROM photos WHERE status = 'skipped'"),
            Scalar("SELECT COUNT(*) FROM faces"),
            model?.Name,
            model?.WeightsSha256,
            reasons,
            bytes);
    }
}
