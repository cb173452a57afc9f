using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace Lookalike.Gallery.Postgres;

/// <summary>The store's reads: descriptors for the index, people, thumbnails, skipped files and counts.</summary>
public sealed partial class PostgresGalleryStore
{
    /// <inheritdoc/>
    public StoreFingerprint GetFaceFingerprint()
    {
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT COUNT(*)::integer, COALESCE(MAX(face_id), 0) FROM embeddings");
        using var reader = command.ExecuteReader();
        reader.Read();
        return new StoreFingerprint(reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <inheritdoc/>
    public StoredDescriptors ReadAllEmbeddings(int dimension) => ReadEmbeddingsWhere("", dimension);

    private StoredDescriptors ReadEmbeddingsWhere(string where, int dimension, params (string Name, object Value)[] parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        var faces = new List<FaceRef>();
        var vectors = new List<float>();
        var skipped = new List<SkippedDescriptor>();
        var buffer = new byte[dimension * sizeof(float)];
        using var connection = _dataSource.OpenConnection();
        // One snapshot for the whole read (REPEATABLE READ), as SQLite's single read transaction gives.
        using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        using var command = Command(connection, $"""
            SELECT f.id, f.photo_id, f.person_id, p.name, e.vector
            FROM faces f JOIN embeddings e ON e.face_id = f.id JOIN people p ON p.id = f.person_id
            {where}
            ORDER BY f.id
            """, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var length = reader.GetBytes(4, 0, null, 0, 0);
                if (length != buffer.Length)
                {
                    var floats = length / sizeof(float);
                    skipped.Add(new SkippedDescriptor(reader.GetInt64(0), $"stored with {floats.ToString(CultureInfo.InvariantCulture)} dimensions; expected {dimension.ToString(CultureInfo.InvariantCulture)}"));
                    continue;
                }
                reader.GetBytes(4, 0, buffer, 0, buffer.Length);
                faces.Add(new FaceRef(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
                vectors.AddRange(MemoryMarshal.Cast<byte, float>(buffer.AsSpan()));
            }
        }
        transaction.Commit();
        return new StoredDescriptors(faces.ToArray(), vectors.ToArray()) { Skipped = skipped };
    }

    /// <inheritdoc/>
    public byte[]? GetThumbnail(long faceId)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT thumbnail FROM faces WHERE id = @id");
        command.Parameters.AddWithValue("id", faceId);
        return command.ExecuteScalar() as byte[];
    }

    /// <inheritdoc/>
    public PersonRecord? GetPerson(long personId)
    {
        using var connection = _dataSource.OpenConnection();
        string? name;
        using (var command = Command(connection, "SELECT name FROM people WHERE id = @id"))
        {
            command.Parameters.AddWithValue("id", personId);
            name = command.ExecuteScalar() as string;
        }
        if (name is null)
        {
            return null;
        }
        var faces = new List<PersonFace>();
        using (var command = Command(connection, """
            SELECT f.id, f.photo_id, ph.source_path, ph.face_count, f.score
            FROM faces f JOIN photos ph ON ph.id = f.photo_id WHERE f.person_id = @id ORDER BY f.id
            """))
        {
            command.Parameters.AddWithValue("id", personId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                faces.Add(new PersonFace(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetFloat(4)));
            }
        }
        return new PersonRecord(personId, name, faces);
    }

    /// <inheritdoc/>
    public IReadOnlyList<SkippedFile> GetSkipped(int limit = 200)
    {
        var list = new List<SkippedFile>();
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT source_path, skip_reason FROM photos WHERE status = 'skipped' ORDER BY id DESC LIMIT @n");
        command.Parameters.AddWithValue("n", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new SkippedFile(reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1)));
        }
        return list;
    }

    /// <inheritdoc/>
    /// <remarks><see cref="GalleryStats.StorageBytes"/> is the size of the store's tables with their indexes and TOAST.</remarks>
    public GalleryStats GetStats()
    {
        using var connection = _dataSource.OpenConnection();
        var reasons = new List<(string, int)>();
        using (var command = Command(connection, """
            SELECT split_part(skip_reason, ':', 1) AS r, COUNT(*)::integer
            FROM photos WHERE status = 'skipped' GROUP BY r ORDER BY COUNT(*) DESC
            """))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                reasons.Add((reader.IsDBNull(0) ? "" : reader.GetString(0), reader.GetInt32(1)));
            }
        }
        using var counts = Command(connection, """
            SELECT (SELECT COUNT(*) FROM people WHERE id IN (SELECT person_id FROM faces))::integer,
                   (SELECT COUNT(*) FROM photos)::integer,
                   (SELECT COUNT(*) FROM photos WHERE status = 'imported')::integer,
                   (SELECT COUNT(*) FROM photos WHERE status = 'skipped')::integer,
                   (SELECT COUNT(*) FROM faces)::integer,
                   (SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r')
            """);
        using var row = counts.ExecuteReader();
        row.Read();
        var (people, photos, imported, skippedCount, faceCount, bytes) = (row.GetInt32(0), row.GetInt32(1), row.GetInt32(2), row.GetInt32(3), row.GetInt32(4), row.GetInt64(5));
        row.Close();
        var model = GetModel(connection, null);
        return new GalleryStats(people, photos, imported, skippedCount, faceCount, model?.Name, model?.WeightsSha256, reasons, bytes);
    }
}
