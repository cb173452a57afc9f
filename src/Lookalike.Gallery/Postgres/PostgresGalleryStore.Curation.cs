using Npgsql;

namespace Lookalike.Gallery.Postgres;

/// <summary>
/// The store's curation: the gallery browser's name search, rename, merge and deletes, one transaction each (serialized
/// with the other writes). Face ids come from the <c>face_ids</c> sequence, so a deleted face's id is never handed out
/// again and the fingerprint (count, largest id) of a store that lost faces never equals an older one.
/// </summary>
public sealed partial class PostgresGalleryStore
{
    /// <inheritdoc/>
    public PeoplePage FindPeople(string? nameContains, int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, GalleryLimits.MaxPeoplePageSize);
        var query = string.IsNullOrWhiteSpace(nameContains) ? "" : nameContains.Trim();
        using var connection = _dataSource.OpenConnection();
        // strpos over lower() needs no LIKE escaping ('%' and '_' in a search are literal).
        const string where = "WHERE @q = '' OR strpos(lower(p.name), lower(@q)) > 0";
        int total;
        using (var command = Command(connection, "SELECT COUNT(*)::integer FROM people p " + where))
        {
            command.Parameters.AddWithValue("q", query);
            total = (int)command.ExecuteScalar()!;
        }
        var people = new List<PersonSummary>();
        using (var command = Command(connection, $"""
            SELECT p.id, p.name, COUNT(f.id)::integer, MIN(f.id)
            FROM people p LEFT JOIN faces f ON f.person_id = p.id
            {where}
            GROUP BY p.id, p.name ORDER BY lower(p.name) COLLATE "C", p.id LIMIT @n OFFSET @o
            """))
        {
            command.Parameters.AddWithValue("q", query);
            command.Parameters.AddWithValue("n", limit);
            command.Parameters.AddWithValue("o", offset);
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
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction);
        if (PersonName(connection, transaction, personId) is null)
        {
            return RenameOutcome.NotFound;
        }
        using (var command = Command(connection, "SELECT id FROM people WHERE name = @n AND id <> @id", transaction))
        {
            command.Parameters.AddWithValue("n", name);
            command.Parameters.AddWithValue("id", personId);
            if (command.ExecuteScalar() is not null)
            {
                return RenameOutcome.NameTaken;
            }
        }
        Execute(connection, transaction, "UPDATE people SET name = @n WHERE id = @id", ("n", name), ("id", personId));
        RecordChange(connection, transaction, "person_renamed", personId: personId, name: name);
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
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction);
        if (PersonName(connection, transaction, sourceId) is null || PersonName(connection, transaction, targetId) is null)
        {
            return null;
        }
        var moved = FaceIdsOf(connection, transaction, sourceId);
        Execute(connection, transaction, "UPDATE faces SET person_id = @to WHERE person_id = @from", ("to", targetId), ("from", sourceId));
        Execute(connection, transaction, "UPDATE photos SET person_id = @to WHERE person_id = @from", ("to", targetId), ("from", sourceId));
        Execute(connection, transaction, "DELETE FROM people WHERE id = @from", ("from", sourceId));
        RecordChange(connection, transaction, "person_merged", personId: sourceId, newPersonId: targetId, name: PersonName(connection, transaction, targetId));
        transaction.Commit();
        return moved;
    }

    /// <inheritdoc/>
    public IReadOnlyList<long>? DeletePerson(long personId)
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction);
        if (PersonName(connection, transaction, personId) is null)
        {
            return null;
        }
        var removed = FaceIdsOf(connection, transaction, personId);
        Execute(connection, transaction, "DELETE FROM embeddings WHERE face_id IN (SELECT id FROM faces WHERE person_id = @p)", ("p", personId));
        Execute(connection, transaction, "DELETE FROM faces WHERE person_id = @p", ("p", personId));
        Execute(connection, transaction, "UPDATE photos SET status = 'skipped', skip_reason = @r, person_id = NULL WHERE person_id = @p",
            ("r", ImageRejectionText.RemovedByAdmin), ("p", personId));
        Execute(connection, transaction, "DELETE FROM people WHERE id = @p", ("p", personId));
        if (removed.Count > 0)
        {
            RecordChange(connection, transaction, "faces_removed", removed);
        }
        transaction.Commit();
        return removed;
    }

    /// <inheritdoc/>
    public FaceRef? DeleteFace(long faceId)
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockWrites(connection, transaction);
        FaceRef? face = null;
        using (var command = Command(connection, "SELECT f.id, f.photo_id, f.person_id, p.name FROM faces f JOIN people p ON p.id = f.person_id WHERE f.id = @id", transaction))
        {
            command.Parameters.AddWithValue("id", faceId);
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
        Execute(connection, transaction, "DELETE FROM embeddings WHERE face_id = @id", ("id", faceId));
        Execute(connection, transaction, "DELETE FROM faces WHERE id = @id", ("id", faceId));
        // A photo keeps one face (the largest), so the photo goes with it.
        Execute(connection, transaction, "UPDATE photos SET status = 'skipped', skip_reason = @r, person_id = NULL WHERE id = @photo AND NOT EXISTS (SELECT 1 FROM faces WHERE photo_id = @photo)",
            ("r", ImageRejectionText.RemovedByAdmin), ("photo", face.PhotoId));
        RecordChange(connection, transaction, "faces_removed", [faceId]);
        transaction.Commit();
        return face;
    }

    private static string? PersonName(NpgsqlConnection connection, NpgsqlTransaction transaction, long personId)
    {
        using var command = Command(connection, "SELECT name FROM people WHERE id = @id", transaction);
        command.Parameters.AddWithValue("id", personId);
        return command.ExecuteScalar() as string;
    }

    private static List<long> FaceIdsOf(NpgsqlConnection connection, NpgsqlTransaction transaction, long personId)
    {
        var ids = new List<long>();
        using var command = Command(connection, "SELECT id FROM faces WHERE person_id = @p ORDER BY id", transaction);
        command.Parameters.AddWithValue("p", personId);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }
}
