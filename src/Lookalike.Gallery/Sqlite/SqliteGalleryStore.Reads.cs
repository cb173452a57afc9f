using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lookalike.Faces;
using Microsoft.Data.Sqlite;

namespace Lookalike.Gallery.Sqlite;

/// <summary>The store's reads: descriptors for the index, people, thumbnails, skipped files and counts.</summary>
public sealed partial class SqliteGalleryStore
{
    /// <inheritdoc/>
    public StoreFingerprint GetFaceFingerprint()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(MAX(face_id), 0) FROM embeddings";
        using var reader = command.ExecuteReader();
        reader.Read();
        return new StoreFingerprint(reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <inheritdoc/>
    public StoredDescriptors ReadAllEmbeddings(int dimension)
    {
        var faces = new List<FaceRef>();
        var vectors = new List<float>();
        var skipped = new List<SkippedDescriptor>();
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
                skipped.Add(new SkippedDescriptor(reader.GetInt64(0), $"stored with {vector.Length} dimensions; expected {dimension}"));
                continue;
            }
            faces.Add(new FaceRef(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            foreach (var v in vector)
            {
                vectors.Add(v);
            }
        }
        return new StoredDescriptors(faces.ToArray(), vectors.ToArray()) { Skipped = skipped };
    }

    /// <inheritdoc/>
    public byte[]? GetThumbnail(long faceId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT thumbnail FROM faces WHERE id = $id";
        command.Parameters.AddWithValue("$id", faceId);
        return command.ExecuteScalar() as byte[];
    }

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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
