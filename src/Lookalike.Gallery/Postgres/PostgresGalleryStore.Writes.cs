using System.Runtime.InteropServices;
using Npgsql;

namespace Lookalike.Gallery.Postgres;

/// <summary>The store's import writes: one transaction per batch.</summary>
public sealed partial class PostgresGalleryStore
{
    /// <inheritdoc/>
    /// <remarks>The unique index on the hash of imported photos backs the duplicate check, so two importers over one
    /// store never both store the same content.</remarks>
    public IReadOnlyList<(FaceRef Face, float[] Descriptor)> WriteBatch(IReadOnlyList<PhotoRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var added = new List<(FaceRef, float[])>();
        if (records.Count == 0)
        {
            return added;
        }
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction);
        foreach (var original in records)
        {
            var record = original;
            if (record.Face is not null && record.Sha256 is { } hash && ImportedPathOf(connection, transaction, hash) is { } first)
            {
                record = AsDuplicate(record, first);
            }
            long? personId = record.Person is null || record.Face is null ? null : UpsertPerson(connection, transaction, record.Person);
            var photoId = InsertPhoto(connection, transaction, record, personId);
            if (photoId is null && personId is { } orphan && !PathRecorded(connection, transaction, record.SourcePath))
            {
                // The hash of an imported photo is unique: record this one as the duplicate it is.
                DeletePersonIfUnused(connection, transaction, orphan);
                record = AsDuplicate(record, ImportedPathOf(connection, transaction, record.Sha256!) ?? "another photo");
                personId = null;
                photoId = InsertPhoto(connection, transaction, record, null);
            }
            if (photoId is not { } pid || record.Face is not { } face || personId is not { } person)
            {
                continue; // recorded already (a retried batch), or a skip
            }
            long faceId;
            using (var command = Command(connection, """
                INSERT INTO faces(photo_id, person_id, x, y, w, h, keypoints, score, thumbnail, age_years, male_probability)
                VALUES (@photo, @person, @x, @y, @w, @h, @k, @s, @t, @age, @male) RETURNING id
                """, transaction))
            {
                command.Parameters.AddWithValue("photo", pid);
                command.Parameters.AddWithValue("person", person);
                command.Parameters.AddWithValue("x", face.Box.X);
                command.Parameters.AddWithValue("y", face.Box.Y);
                command.Parameters.AddWithValue("w", face.Box.Width);
                command.Parameters.AddWithValue("h", face.Box.Height);
                command.Parameters.AddWithValue("k", KeypointText.Format(face.Keypoints));
                command.Parameters.AddWithValue("s", face.Score);
                command.Parameters.AddWithValue("t", face.Thumbnail);
                command.Parameters.Add(new NpgsqlParameter<float?>("age", NpgsqlTypes.NpgsqlDbType.Real) { TypedValue = face.Estimate?.AgeYears });
                command.Parameters.Add(new NpgsqlParameter<float?>("male", NpgsqlTypes.NpgsqlDbType.Real) { TypedValue = face.Estimate?.MaleProbability });
                faceId = (long)command.ExecuteScalar()!;
            }
            using (var command = Command(connection, "INSERT INTO embeddings(face_id, vector) VALUES (@f, @v)", transaction))
            {
                command.Parameters.AddWithValue("f", faceId);
                command.Parameters.AddWithValue("v", MemoryMarshal.AsBytes(face.Descriptor.AsSpan()).ToArray());
                command.ExecuteNonQuery();
            }
            added.Add((new FaceRef(faceId, pid, person, record.Person!), face.Descriptor));
        }
        if (added.Count > 0)
        {
            RecordChange(connection, transaction, "faces_added", added.Select(a => a.Item1.FaceId).ToList());
        }
        transaction.Commit();
        return added;
    }

    private static PhotoRecord AsDuplicate(PhotoRecord record, string firstPath) =>
        record with { Person = null, Face = null, SkipReason = ImageRejectionText.DuplicateOf(firstPath) };

    /// <summary>Inserts the photo row; null when a unique constraint (its path, or its hash among imported photos) refused it.</summary>
    private static long? InsertPhoto(NpgsqlConnection connection, NpgsqlTransaction transaction, PhotoRecord record, long? personId)
    {
        using var command = Command(connection, """
            INSERT INTO photos(source_path, sha256, person_id, status, skip_reason, face_count, width, height)
            VALUES (@p, @h, @person, @s, @r, @fc, @w, @ht)
            ON CONFLICT DO NOTHING
            RETURNING id
            """, transaction);
        command.Parameters.AddWithValue("p", record.SourcePath);
        command.Parameters.AddWithValue("h", (object?)record.Sha256 ?? DBNull.Value);
        command.Parameters.AddWithValue("person", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)personId ?? DBNull.Value);
        command.Parameters.AddWithValue("s", record.Face is null ? "skipped" : "imported");
        command.Parameters.AddWithValue("r", NpgsqlTypes.NpgsqlDbType.Text, (object?)record.SkipReason ?? DBNull.Value);
        command.Parameters.AddWithValue("fc", record.FaceCount);
        command.Parameters.AddWithValue("w", record.Width);
        command.Parameters.AddWithValue("ht", record.Height);
        return command.ExecuteScalar() as long?;
    }

    private static string? ImportedPathOf(NpgsqlConnection connection, NpgsqlTransaction transaction, string hash)
    {
        using var command = Command(connection, "SELECT source_path FROM photos WHERE sha256 = @h AND status = 'imported'", transaction);
        command.Parameters.AddWithValue("h", hash);
        return command.ExecuteScalar() as string;
    }

    private static bool PathRecorded(NpgsqlConnection connection, NpgsqlTransaction transaction, string path)
    {
        using var command = Command(connection, "SELECT 1 FROM photos WHERE source_path = @p", transaction);
        command.Parameters.AddWithValue("p", path);
        return command.ExecuteScalar() is not null;
    }

    private static long UpsertPerson(NpgsqlConnection connection, NpgsqlTransaction transaction, string name)
    {
        using var command = Command(connection, "INSERT INTO people(name) VALUES (@n) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id", transaction);
        command.Parameters.AddWithValue("n", name);
        return (long)command.ExecuteScalar()!;
    }

    private static void DeletePersonIfUnused(NpgsqlConnection connection, NpgsqlTransaction transaction, long personId)
    {
        using var command = Command(connection, """
            DELETE FROM people p WHERE p.id = @id
              AND NOT EXISTS (SELECT 1 FROM photos WHERE person_id = p.id) AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = p.id)
            """, transaction);
        command.Parameters.AddWithValue("id", personId);
        command.ExecuteNonQuery();
    }
}
