using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lookalike.Faces;
using Microsoft.Data.Sqlite;

namespace Lookalike.Gallery.Sqlite;

/// <summary>The store's import writes: one transaction per batch.</summary>
public sealed partial class SqliteGalleryStore
{
    /// <inheritdoc/>
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
        long? nextFaceId = null; // read inside the write transaction (after the first insert holds the write lock)
        foreach (var original in records)
        {
            // The write transaction (BEGIN IMMEDIATE) holds SQLite's one write lock: no other process can store the same
            // content between this check and the insert.
            var record = original.Face is not null && original.Sha256 is { } hash && ImportedPathOf(connection, transaction, hash) is { } first
                ? original with { Person = null, Face = null, SkipReason = ImageRejectionText.DuplicateOf(first) }
                : original;
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
            // Explicit ids above every face ever stored: a deleted face's id is never handed out again.
            var faceId = nextFaceId ??= NextFaceId(connection, transaction);
            nextFaceId = faceId + 1;
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO faces(id, photo_id, person_id, x, y, w, h, keypoints, score, thumbnail, age_years, male_probability)
                    VALUES ($id, $photo, $person, $x, $y, $w, $h, $k, $s, $t, $age, $male)
                    """;
                command.Parameters.AddWithValue("$id", faceId);
                command.Parameters.AddWithValue("$photo", photoId);
                command.Parameters.AddWithValue("$person", pid);
                command.Parameters.AddWithValue("$x", face.Box.X);
                command.Parameters.AddWithValue("$y", face.Box.Y);
                command.Parameters.AddWithValue("$w", face.Box.Width);
                command.Parameters.AddWithValue("$h", face.Box.Height);
                command.Parameters.AddWithValue("$k", KeypointText.Format(face.Keypoints));
                command.Parameters.AddWithValue("$s", face.Score);
                command.Parameters.AddWithValue("$t", face.Thumbnail);
                command.Parameters.AddWithValue("$age", face.Estimate is { } e1 && float.IsFinite(e1.AgeYears) ? e1.AgeYears : DBNull.Value);
                command.Parameters.AddWithValue("$male", face.Estimate is { } e2 ? e2.MaleProbability : DBNull.Value);
                command.ExecuteNonQuery();
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

    private static string? ImportedPathOf(SqliteConnection connection, SqliteTransaction transaction, string hash)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT source_path FROM photos WHERE sha256 = $h AND status = 'imported' LIMIT 1";
        command.Parameters.AddWithValue("$h", hash);
        return command.ExecuteScalar() as string;
    }

    private static long UpsertPerson(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO people(name) VALUES ($n) ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id";
        command.Parameters.AddWithValue("$n", name);
        return (long)command.ExecuteScalar()!;
    }
}
