using Microsoft.Data.Sqlite;

namespace Lookalike.Gallery.Sqlite;

/// <summary>
/// The store's curation: the gallery browser's name search, rename, merge and deletes, one transaction each. A deleted
/// face's id is never handed out again (the high-water mark <see cref="FaceIdHighWaterKey"/> outlives the row), so an
/// index file or a live index can never mistake a new face for a deleted one, and the fingerprint (count, largest id)
/// of a store that lost faces never equals an older one.
/// </summary>
public sealed partial class SqliteGalleryStore
{
    /// <summary>Meta key holding the largest face id ever stored (written when faces are deleted).</summary>
    internal const string FaceIdHighWaterKey = "faces.maxIdEver";

    /// <inheritdoc/>
    public PeoplePage FindPeople(string? nameContains, int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, GalleryLimits.MaxPeoplePageSize);
        var query = string.IsNullOrWhiteSpace(nameContains) ? "" : nameContains.Trim();
        using var connection = Open();
        // instr over lower() needs no LIKE escaping ('%' and '_' in a search are literal).
        const string where = "WHERE $q = '' OR instr(lower(p.name), lower($q)) > 0";
        int total;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM people p " + where;
            command.Parameters.AddWithValue("$q", query);
            total = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        var people = new List<PersonSummary>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT p.id, p.name, COUNT(f.id), MIN(f.id)
                FROM people p LEFT JOIN faces f ON f.person_id = p.id
                {where}
                GROUP BY p.id ORDER BY p.name COLLATE NOCASE, p.id LIMIT $n OFFSET $o
                """;
            command.Parameters.AddWithValue("$q", query);
            command.Parameters.AddWithValue("$n", limit);
            command.Parameters.AddWithValue("$o", offset);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                people.Add(new PersonSummary(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
            }
        }
        return new PeoplePage(people, total);
    }

    /// <inheritdoc/>
    public RenameOutcome RenamePerson(long personId, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (PersonName(connection, transaction, personId) is null)
        {
            return RenameOutcome.NotFound;
        }
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT id FROM people WHERE name = $n AND id <> $id";
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$id", personId);
            if (command.ExecuteScalar() is not null)
            {
                return RenameOutcome.NameTaken;
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "UPDATE people SET name = $n WHERE id = $id";
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$id", personId);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
        return RenameOutcome.Renamed;
    }

    /// <inheritdoc/>
    public IReadOnlyList<long>? MergePeople(long sourceId, long targetId)
    {
        if (sourceId == targetId)
        {
            throw new ArgumentException("A person cannot be merged into themselves.", nameof(targetId));
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (PersonName(connection, transaction, sourceId) is null || PersonName(connection, transaction, targetId) is null)
        {
            return null;
        }
        var moved = FaceIdsOf(connection, transaction, sourceId);
        Execute(connection, transaction, "UPDATE faces SET person_id = $to WHERE person_id = $from", ("$to", targetId), ("$from", sourceId));
        Execute(connection, transaction, "UPDATE photos SET person_id = $to WHERE person_id = $from", ("$to", targetId), ("$from", sourceId));
        Execute(connection, transaction, "DELETE FROM people WHERE id = $from", ("$from", sourceId));
        transaction.Commit();
        return moved;
    }

    /// <inheritdoc/>
    public IReadOnlyList<long>? DeletePerson(long personId)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (PersonName(connection, transaction, personId) is null)
        {
            return null;
        }
        var removed = FaceIdsOf(connection, transaction, personId);
        RaiseFaceIdHighWater(connection, transaction);
        Execute(connection, transaction, "DELETE FROM embeddings WHERE face_id IN (SELECT id FROM faces WHERE person_id = $p)", ("$p", personId));
        Execute(connection, transaction, "DELETE FROM faces WHERE person_id = $p", ("$p", personId));
        Execute(connection, transaction, "UPDATE photos SET status = 'skipped', skip_reason = $r, person_id = NULL WHERE person_id = $p",
            ("$r", ImageRejectionText.RemovedByAdmin), ("$p", personId));
        Execute(connection, transaction, "DELETE FROM people WHERE id = $p", ("$p", personId));
        transaction.Commit();
        return removed;
    }

    /// <inheritdoc/>
    public FaceRef? DeleteFace(long faceId)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        FaceRef? face = null;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT f.id, f.photo_id, f.person_id, p.name FROM faces f JOIN people p ON p.id = f.person_id WHERE f.id = $id";
            command.Parameters.AddWithValue("$id", faceId);
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                face = new FaceRef(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
            }
        }
        if (face is null)
        {
            return null;
        }
        RaiseFaceIdHighWater(connection, transaction);
        Execute(connection, transaction, "DELETE FROM embeddings WHERE face_id = $id", ("$id", faceId));
        Execute(connection, transaction, "DELETE FROM faces WHERE id = $id", ("$id", faceId));
        // A photo keeps one face (the largest), so the photo goes with it.
        Execute(connection, transaction, "UPDATE photos SET status = 'skipped', skip_reason = $r, person_id = NULL WHERE id = $photo AND NOT EXISTS (SELECT 1 FROM faces WHERE photo_id = $photo)",
            ("$r", ImageRejectionText.RemovedByAdmin), ("$photo", face.PhotoId));
        transaction.Commit();
        return face;
    }

    /// <summary>The id the next stored face gets: above every face stored now and every face ever deleted.</summary>
    private static long NextFaceId(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT MAX(COALESCE((SELECT MAX(id) FROM faces), 0),
                       COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = $k), 0)) + 1
            """;
        command.Parameters.AddWithValue("$k", FaceIdHighWaterKey);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Records the largest face id stored so far before rows are deleted, so that id is never handed out again.</summary>
    private static void RaiseFaceIdHighWater(SqliteConnection connection, SqliteTransaction transaction) =>
        Execute(connection, transaction, """
            INSERT INTO meta(key, value) VALUES ($k, CAST((SELECT MAX(COALESCE((SELECT MAX(id) FROM faces), 0),
                COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = $k), 0))) AS TEXT))
            ON CONFLICT(key) DO UPDATE SET value = excluded.value
            """, ("$k", FaceIdHighWaterKey));

    private static string? PersonName(SqliteConnection connection, SqliteTransaction transaction, long personId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM people WHERE id = $id";
        command.Parameters.AddWithValue("$id", personId);
        return command.ExecuteScalar() as string;
    }

    private static List<long> FaceIdsOf(SqliteConnection connection, SqliteTransaction transaction, long personId)
    {
        var ids = new List<long>();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM faces WHERE person_id = $p ORDER BY id";
        command.Parameters.AddWithValue("$p", personId);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }
}
