using Lookalike.Faces.AgeGender;
using Microsoft.Data.Sqlite;

namespace Lookalike.Gallery.Sqlite;

/// <summary>The store's age/sex estimates (<c>faces.age_years</c>, <c>faces.male_probability</c>, schema version 1).</summary>
public sealed partial class SqliteGalleryStore
{
    private const int EstimateChunk = 500;

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, AgeGenderEstimate> GetEstimates(IReadOnlyCollection<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var result = new Dictionary<long, AgeGenderEstimate>(faceIds.Count);
        if (faceIds.Count == 0)
        {
            return result;
        }
        using var connection = Open();
        foreach (var chunk in faceIds.Chunk(EstimateChunk))
        {
            using var command = connection.CreateCommand();
            // ids are longs, formatted invariantly: no injection is possible, and one statement serves any count.
            command.CommandText = "SELECT id, age_years, male_probability FROM faces WHERE male_probability IS NOT NULL AND id IN ("
                + string.Join(',', chunk.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                // SQLite stores a NaN age (a thumbnail that could not be read) as NULL
                result[reader.GetInt64(0)] = new AgeGenderEstimate(reader.IsDBNull(1) ? float.NaN : reader.GetFloat(1), reader.GetFloat(2));
            }
        }
        return result;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(long FaceId, byte[] Thumbnail)> GetFacesWithoutEstimate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var list = new List<(long, byte[])>();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, thumbnail FROM faces WHERE male_probability IS NULL ORDER BY id LIMIT $n";
        command.Parameters.AddWithValue("$n", limit);
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
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM faces WHERE male_probability IS NULL";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public void SetEstimates(IReadOnlyList<(long FaceId, AgeGenderEstimate Estimate)> estimates)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        if (estimates.Count == 0)
        {
            return;
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE faces SET age_years = $a, male_probability = $m WHERE id = $id";
        var a = command.Parameters.Add("$a", SqliteType.Real);
        var m = command.Parameters.Add("$m", SqliteType.Real);
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        foreach (var (faceId, estimate) in estimates)
        {
            a.Value = float.IsFinite(estimate.AgeYears) ? estimate.AgeYears : DBNull.Value; // SQLite cannot store NaN
            m.Value = estimate.MaleProbability;
            id.Value = faceId;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }
}
