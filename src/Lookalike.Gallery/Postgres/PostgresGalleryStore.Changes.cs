using Npgsql;
using NpgsqlTypes;

namespace Lookalike.Gallery.Postgres;

/// <summary>What a <see cref="StoreChange"/> did to the faces an index holds.</summary>
public enum StoreChangeKind
{
    /// <summary>An import batch stored <see cref="StoreChange.FaceIds"/>.</summary>
    FacesAdded,

    /// <summary><see cref="StoreChange.FaceIds"/> were deleted (a face or a person deleted, or a model change cleared them).</summary>
    FacesRemoved,

    /// <summary>Person <see cref="StoreChange.PersonId"/> is now called <see cref="StoreChange.Name"/>.</summary>
    PersonRenamed,

    /// <summary>Person <see cref="StoreChange.PersonId"/> was merged into <see cref="StoreChange.NewPersonId"/>, called <see cref="StoreChange.Name"/>.</summary>
    PersonMerged,
}

/// <summary>One row of the store's change log, in commit order by <paramref name="Sequence"/> (1, 2, …; gaps possible).</summary>
/// <param name="Sequence">The change sequence (bigserial), increasing in commit order.</param>
/// <param name="Kind">What changed.</param>
/// <param name="FaceIds">The faces added or removed (empty for a rename or merge).</param>
/// <param name="PersonId">The renamed person, or the merged (deleted) source person.</param>
/// <param name="NewPersonId">The merge target.</param>
/// <param name="Name">The new name (rename) or the target's name (merge).</param>
public sealed record StoreChange(long Sequence, StoreChangeKind Kind, IReadOnlyList<long> FaceIds, long? PersonId, long? NewPersonId, string? Name);

/// <summary>
/// The store's change log: each write that changes what an index holds records a row in its own transaction and
/// <c>NOTIFY</c>s <see cref="ChangeChannel"/> (delivered on commit), so replicas follow by notification and catch up from
/// the sequence after a gap. Rows are written after <see cref="LockWrites"/>, so sequence order is commit order.
/// </summary>
public sealed partial class PostgresGalleryStore
{
    private static readonly Dictionary<string, StoreChangeKind> Kinds = new(StringComparer.Ordinal)
    {
        ["faces_added"] = StoreChangeKind.FacesAdded,
        ["faces_removed"] = StoreChangeKind.FacesRemoved,
        ["person_renamed"] = StoreChangeKind.PersonRenamed,
        ["person_merged"] = StoreChangeKind.PersonMerged,
    };

    /// <summary>The notification channel of this store's schema (<c>lookalike_changes_</c> + 16 hex digits of the MD5 of the
    /// schema name, see <see cref="ChannelOf"/>); the payload is the change sequence.</summary>
    public string ChangeChannel { get; private set; } = "";

    /// <summary>The newest change sequence committed (0 when the log is empty).</summary>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    public long GetChangeSequence()
    {
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM changes");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Changes committed after sequence <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is below 1.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    public IReadOnlyList<StoreChange> ReadChanges(long after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var changes = new List<StoreChange>();
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT seq, kind, face_ids, person_id, new_person_id, name FROM changes WHERE seq > @s ORDER BY seq LIMIT @n");
        command.Parameters.AddWithValue("s", after);
        command.Parameters.AddWithValue("n", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            changes.Add(new StoreChange(reader.GetInt64(0), Kinds[reader.GetString(1)], reader.GetFieldValue<long[]>(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return changes;
    }

    /// <summary>The stored descriptors of <paramref name="faceIds"/> (ids no longer stored are left out), as
    /// <see cref="IGalleryStore.ReadAllEmbeddings"/> returns them: ordered by face id, descriptors of another length skipped.</summary>
    /// <param name="faceIds">Face ids.</param>
    /// <param name="dimension">Floats per descriptor the caller expects.</param>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    public StoredDescriptors ReadEmbeddings(IReadOnlyCollection<long> faceIds, int dimension)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        return ReadEmbeddingsWhere("WHERE f.id = ANY(@ids)", dimension, ("ids", faceIds.ToArray()));
    }

    /// <summary>Opens a connection of its own (not from the store's pool) that <c>LISTEN</c>s on <see cref="ChangeChannel"/>,
    /// with keepalives every 10 s so that a dropped connection fails its <see cref="NpgsqlConnection.WaitAsync(TimeSpan, CancellationToken)"/>.</summary>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    public async Task<NpgsqlConnection> OpenChangeListenerAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, KeepAlive = 10 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"LISTEN \"{ChangeChannel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The channel of a schema: <c>lookalike_changes_</c> and the first 16 hex digits of the MD5 of its name
    /// (what <c>RecordChange</c>'s SQL computes with <c>md5(current_schema())</c>), so that any schema name, however long,
    /// gives a channel within PostgreSQL's 63-byte identifier limit (a longer one makes <c>pg_notify</c> fail and
    /// <c>LISTEN</c> truncate).</summary>
    internal static string ChannelOf(string schema) =>
        "lookalike_changes_" + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(schema)))[..16];

    private void ReadChangeChannel()
    {
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT current_schema()");
        ChangeChannel = ChannelOf(command.ExecuteScalar() as string ?? "public");
    }

    /// <summary>Records a change in <paramref name="transaction"/> (after <see cref="LockWrites"/>) and notifies the channel on commit.</summary>
    private static void RecordChange(NpgsqlConnection connection, NpgsqlTransaction transaction, string kind, IReadOnlyCollection<long>? faceIds = null, long? personId = null, long? newPersonId = null, string? name = null)
    {
        using var command = Command(connection, """
            WITH c AS (INSERT INTO changes(kind, face_ids, person_id, new_person_id, name) VALUES (@k, @f, @p, @np, @n) RETURNING seq)
            SELECT pg_notify('lookalike_changes_' || left(md5(current_schema()), 16), seq::text) FROM c
            """, transaction);
        command.Parameters.AddWithValue("k", kind);
        command.Parameters.AddWithValue("f", (faceIds ?? []).ToArray());
        command.Parameters.AddWithValue("p", NpgsqlDbType.Bigint, (object?)personId ?? DBNull.Value);
        command.Parameters.AddWithValue("np", NpgsqlDbType.Bigint, (object?)newPersonId ?? DBNull.Value);
        command.Parameters.AddWithValue("n", NpgsqlDbType.Text, (object?)name ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}
