using Lookalike.Faces.AgeGender;
using Npgsql;
using NpgsqlTypes;

namespace Lookalike.Gallery.Postgres;

/// <summary>The store's age/sex estimates (<c>faces.age_years</c>, <c>faces.male_probability</c>, schema version 3).</summary>
public sealed partial class PostgresGalleryStore
{
    /// <inheritdoc/>
    public IReadOnlyDictionary<long, AgeGenderEstimate> GetEstimates(IReadOnlyCollection<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var result = new Dictionary<long, AgeGenderEstimate>(faceIds.Count);
        if (faceIds.Count == 0)
        {
            return result;
        }
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT id, age_years, male_probability FROM faces WHERE male_probability IS NOT NULL AND id = ANY(@ids)");
        command.Parameters.AddWithValue("ids", faceIds.ToArray());
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetInt64(0)] = new AgeGenderEstimate(reader.GetFloat(1), reader.GetFloat(2));
        }
        return result;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(long FaceId, byte[] Thumbnail)> GetFacesWithoutEstimate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var list = new List<(long, byte[])>();
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT id, thumbnail FROM faces WHERE male_probability IS NULL ORDER BY id LIMIT @n");
        command.Parameters.AddWithValue("n", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }
        return list;
    }

    /// <inheritdoc/>
    public int CountFacesWithoutEstimate()
    {
        using var connection = _dataSource.OpenConnection();
        using var command = Command(connection, "SELECT COUNT(*) FROM faces WHERE male_probability IS NULL");
        return (int)(long)command.ExecuteScalar()!;
    }

    /// <inheritdoc/>
    public void SetEstimates(IReadOnlyList<(long FaceId, AgeGenderEstimate Estimate)> estimates)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        if (estimates.Count == 0)
        {
            return;
        }
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var command = Command(connection, """
            UPDATE faces f SET age_years = u.a, male_probability = u.m
            FROM unnest(@ids, @ages, @males) AS u(id, a, m) WHERE f.id = u.id
            """, transaction);
        command.Parameters.AddWithValue("ids", estimates.Select(e => e.FaceId).ToArray());
        command.Parameters.Add(new NpgsqlParameter("ages", NpgsqlDbType.Array | NpgsqlDbType.Real) { Value = estimates.Select(e => e.Estimate.AgeYears).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("males", NpgsqlDbType.Array | NpgsqlDbType.Real) { Value = estimates.Select(e => e.Estimate.MaleProbability).ToArray() });
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
