using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>
/// The live gallery at the edges (issue: reliability): a damaged index file is kept aside and reported, never overwritten;
/// bad stored descriptors are skipped and counted instead of failing every rebuild; orphan temporary files of killed saves
/// are removed at start; a load that fails says so instead of "Loading…" forever.
/// </summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class IndexReliabilityTests(LfwGalleryFixture gallery)
{
    public enum Damage { Truncated, RandomBytes, UnknownVersionChecksumRecomputed, HugeCapacityChecksumRecomputed, UnreadableSidecar }

    /// <summary>Faces with a descriptor in the fixture's store.</summary>
    private int StoredFaces => new Lookalike.Gallery.Sqlite.SqliteGalleryStore(gallery.DataDirectory).GetFaceFingerprint().Count;

    private async Task<TempDirectory> CopyWithIndexFileAsync()
    {
        var copy = gallery.CopyDataDirectory();
        using var services = GalleryServices.Create(copy.Path);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();
        live.Persist();
        Assert.True(File.Exists(Path.Combine(copy.Path, "gallery.hnsw")));
        return copy;
    }

    [SharedDataTheory("data/lfw")]
    [InlineData(Damage.Truncated)]
    [InlineData(Damage.RandomBytes)]
    [InlineData(Damage.UnknownVersionChecksumRecomputed)]
    [InlineData(Damage.HugeCapacityChecksumRecomputed)]
    [InlineData(Damage.UnreadableSidecar)]
    public async Task Start_DamagedIndexFile_KeptAsideRebuiltAndReported(Damage damage)
    {
        // Arrange
        using var data = await CopyWithIndexFileAsync();
        var indexPath = Path.Combine(data.Path, "gallery.hnsw");
        var bytes = File.ReadAllBytes(indexPath);
        byte[] bad;
        switch (damage)
        {
            case Damage.Truncated:
                bad = bytes[..(bytes.Length / 2)];
                break;
            case Damage.RandomBytes:
                bad = new byte[bytes.Length];
                new Random(7).NextBytes(bad);
                break;
            case Damage.UnknownVersionChecksumRecomputed:
                bad = (byte[])bytes.Clone();
                BitConverter.GetBytes(99).CopyTo(bad, 8); // the format version follows the 8-byte magic
                break;
            default:
                bad = (byte[])bytes.Clone();
                break;
        }
        if (damage == Damage.HugeCapacityChecksumRecomputed)
        {
            // header: magic(8) version metric dimension M efC efS seed initialCapacity ...: capacity 2^30
            BitConverter.GetBytes(1 << 30).CopyTo(bad, 8 + 7 * 4);
        }
        File.WriteAllBytes(indexPath, bad);
        var sidecarPath = indexPath + ".json";
        if (damage is Damage.UnknownVersionChecksumRecomputed or Damage.HugeCapacityChecksumRecomputed)
        {
            var sidecar = JsonNode.Parse(File.ReadAllText(sidecarPath))!;
            sidecar["FileSha256"] = Convert.ToHexStringLower(SHA256.HashData(bad));
            File.WriteAllText(sidecarPath, sidecar.ToJsonString());
        }
        if (damage == Damage.UnreadableSidecar)
        {
            File.WriteAllText(sidecarPath, "{ not json");
        }

        // Act
        using var services = GalleryServices.Create(data.Path);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();

        // Assert: the bad file is kept byte for byte under a timestamped name, the gallery is whole, the status says so
        var kept = Directory.GetFiles(data.Path, "gallery.hnsw.damaged-*").Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).ToList();
        Assert.Single(kept);
        Assert.Matches(@"gallery\.hnsw\.damaged-\d{8}T\d{6}Z$", kept[0]);
        Assert.Equal(bad, File.ReadAllBytes(kept[0]));
        Assert.Equal(IndexState.Ready, live.Status.State);
        Assert.Equal((0, 1), (live.Status.Loads, live.Status.Rebuilds));
        Assert.Equal(StoredFaces, live.Current.Count);
        Assert.NotNull(live.Status.DamagedFileMessage);
        Assert.Contains(Path.GetFileName(kept[0]), live.Status.DamagedFileMessage, StringComparison.Ordinal);
        Assert.Contains(live.Status.DamagedFileMessage, live.Status.Warnings);
        // A fresh index file was written beside it, with a sidecar that vouches for it. (With only the sidecar
        // damaged, the rebuilt file may equal the old bytes: the build is deterministic for a fixed seed and order.)
        var fresh = File.ReadAllBytes(indexPath);
        var freshSidecar = JsonNode.Parse(File.ReadAllText(sidecarPath))!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fresh)), freshSidecar["FileSha256"]!.GetValue<string>());
        if (damage != Damage.UnreadableSidecar)
        {
            Assert.NotEqual(bad, fresh);
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_DamagedTwice_NeverOverwritesTheFirstKeptFile()
    {
        using var data = await CopyWithIndexFileAsync();
        var indexPath = Path.Combine(data.Path, "gallery.hnsw");
        var fixedNow = new DateTime(2026, 12, 3, 6, 0, 0, DateTimeKind.Utc);
        var files = new IndexFileRepository(data.Path, () => fixedNow);
        var store = new Lookalike.Gallery.Sqlite.SqliteGalleryStore(data.Path);
        var options = GalleryIndexParameters.ForModel(GalleryIndexParameters.Defaults, 128);

        File.WriteAllBytes(indexPath, [1, 2, 3]);
        var first = files.TryLoad(options, store.GetFaceFingerprint(), store.GetModel(), StoredFaces);
        File.Copy(first.KeptAs + ".json", indexPath + ".json"); // the same sidecar again, the same clock: the name is taken
        File.WriteAllBytes(indexPath, [4, 5, 6]);
        var second = files.TryLoad(options, store.GetFaceFingerprint(), store.GetModel(), StoredFaces);

        Assert.True(first.KeptAs is not null, first.Reason);
        Assert.True(second.KeptAs is not null, second.Reason);
        Assert.NotEqual(first.KeptAs, second.KeptAs);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(first.KeptAs!));
        Assert.Equal([4, 5, 6], File.ReadAllBytes(second.KeptAs!));
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_IntactFileOutOfStepWithSidecar_RebuiltWithoutCallingItDamaged()
    {
        // A save killed between the index file and its sidecar: the file is intact, only the pair disagrees.
        using var data = await CopyWithIndexFileAsync();
        var sidecarPath = Path.Combine(data.Path, "gallery.hnsw.json");
        var sidecar = JsonNode.Parse(File.ReadAllText(sidecarPath))!;
        sidecar["FileSha256"] = new string('0', 64);
        File.WriteAllText(sidecarPath, sidecar.ToJsonString());

        using var services = GalleryServices.Create(data.Path);
        var live = services.GetRequiredService<LiveGallery>();
        await live.EnsureReadyAsync();

        Assert.Empty(Directory.GetFiles(data.Path, "gallery.hnsw.damaged-*"));
        Assert.Null(live.Status.DamagedFileMessage);
        Assert.Equal((0, 1, StoredFaces), (live.Status.Loads, live.Status.Rebuilds, live.Current.Count));
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_OrphanTemporaryFiles_OldOnesRemovedFreshOnesLeft()
    {
        using var data = await CopyWithIndexFileAsync();
        var old = Path.Combine(data.Path, "gallery.hnsw." + Guid.NewGuid().ToString("N") + ".tmp");
        var legacy = Path.Combine(data.Path, "gallery.hnsw.tmp");
        var fresh = Path.Combine(data.Path, "gallery.hnsw." + Guid.NewGuid().ToString("N") + ".tmp");
        var unrelated = Path.Combine(data.Path, "notes.tmp");
        foreach (var f in new[] { old, legacy, fresh, unrelated })
        {
            File.WriteAllBytes(f, new byte[4096]);
        }
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(legacy, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(unrelated, DateTime.UtcNow.AddHours(-1));

        using var services = GalleryServices.Create(data.Path);
        await services.GetRequiredService<LiveGallery>().EnsureReadyAsync();

        Assert.False(File.Exists(old));
        Assert.False(File.Exists(legacy));
        Assert.True(File.Exists(fresh), "a temporary file younger than OrphanAge may belong to a save in progress");
        Assert.True(File.Exists(unrelated));
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_BadStoredDescriptors_SkippedCountedAndTheRestServed()
    {
        // Arrange: one all-zero descriptor, one of the wrong length and one NaN in the store (an older version, a broken model)
        using var data = await CopyWithIndexFileAsync();
        File.Delete(Path.Combine(data.Path, "gallery.hnsw"));
        long[] bad;
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "gallery.db")};Pooling=False"))
        {
            connection.Open();
            bad = ReadFaceIds(connection).Take(3).ToArray();
            var nan = new float[128];
            nan[5] = float.NaN;
            Update(connection, bad[0], new byte[128 * 4]);
            Update(connection, bad[1], new byte[64 * 4]);
            Update(connection, bad[2], System.Runtime.InteropServices.MemoryMarshal.AsBytes(nan.AsSpan()).ToArray());
        }

        // Act
        using (var services = GalleryServices.Create(data.Path))
        {
            var live = services.GetRequiredService<LiveGallery>();
            await live.EnsureReadyAsync();
            var sync = services.GetRequiredService<StoreSync>();

            // Assert
            Assert.Equal(IndexState.Ready, live.Status.State);
            Assert.Equal(StoredFaces - 3, live.Current.Count);
            Assert.Equal(3, live.Status.SkippedDescriptors);
            Assert.All(bad, id => Assert.True(live.IsSkipped(id)));
            Assert.Contains(live.Status.Warnings, w => w.StartsWith("3 stored descriptors could not be indexed", StringComparison.Ordinal));
            Assert.Equal(0, sync.SyncWithStore());
            Assert.Equal(0, sync.SyncWithStore());

            await live.RebuildAsync(); // a later rebuild skips them too
            Assert.Equal(StoredFaces - 3, live.Current.Count);
        }

        // the index file written with the skipped rows counted is used at the next start
        using (var restarted = GalleryServices.Create(data.Path))
        {
            var live = restarted.GetRequiredService<LiveGallery>();
            await live.EnsureReadyAsync();
            Assert.Equal((1, 0, 3), (live.Status.Loads, live.Status.Rebuilds, live.Status.SkippedDescriptors));
        }
    }

    [SharedDataFact("data/lfw")]
    public async Task Start_StoreFailsDuringLoad_FailedStateNotLoadingForever_AndRetryWorks()
    {
        using var data = await CopyWithIndexFileAsync();
        using var services = GalleryServices.Create(data.Path);
        var live = services.GetRequiredService<LiveGallery>();
        Sql(data.Path, "ALTER TABLE embeddings RENAME TO embeddings_away");

        await Assert.ThrowsAnyAsync<Exception>(() => live.EnsureReadyAsync());
        Assert.Equal(IndexState.Failed, live.Status.State);
        Assert.StartsWith("The gallery index could not be loaded", live.Status.Message, StringComparison.Ordinal);

        Sql(data.Path, "ALTER TABLE embeddings_away RENAME TO embeddings");
        await live.EnsureReadyAsync(); // a failed start is retried
        Assert.Equal(IndexState.Ready, live.Status.State);
        Assert.Equal(StoredFaces, live.Current.Count);
    }

    private static void Sql(string dataDirectory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "gallery.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<long> ReadFaceIds(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT face_id FROM embeddings ORDER BY face_id";
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private static void Update(SqliteConnection connection, long faceId, byte[] vector)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE embeddings SET vector = $v WHERE face_id = $id";
        command.Parameters.AddWithValue("$v", vector);
        command.Parameters.AddWithValue("$id", faceId);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
