using System.Security.Cryptography;
using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Index;
using Microsoft.Extensions.Options;

namespace Lookalike.Gallery.Index;

/// <summary>An index read from its file, or why none could be used.</summary>
/// <param name="Index">The loaded index; null when <see cref="Reason"/> says why it was not usable.</param>
/// <param name="Reason">Empty on success, otherwise a sentence for the log ("no index file", "index file checksum does not match", …).</param>
public sealed record IndexFileLoad(HnswIndex? Index, string Reason)
{
    /// <summary>Where a damaged index file was kept (full path), when the file itself was unreadable (truncated, random
    /// bytes, unknown version, sizes that do not fit the file); null when there was no file or it was merely out of step.</summary>
    public string? KeptAs { get; init; }
}

/// <summary>
/// The index file (<c>gallery.hnsw</c> in the data directory) and its sidecar (<c>gallery.hnsw.json</c>: the file's
/// SHA-256, face count, largest face id, model, M, efConstruction). A file is used only when the sidecar agrees with the
/// store, the model and the parameters and the checksum matches. Saving writes one temporary file, renames it over the
/// index, then writes the sidecar: a kill at any point leaves a pair whose checksum disagrees at worst, which costs a rebuild.
/// A file that cannot be read at all is never overwritten: it is renamed to
/// <c>gallery.hnsw.damaged-&lt;UTC yyyyMMddTHHmmssZ&gt;</c> (its sidecar beside it) for the operator to look at.
/// </summary>
public sealed class IndexFileRepository
{
    /// <summary>Temporary files younger than this are left alone at start-up (another process may be writing them).</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromSeconds(30);

    private readonly Func<DateTime> _utcNow;

    /// <summary>Creates the repository over the configured data directory.</summary>
    public IndexFileRepository(IOptions<LookalikeOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.DataDirectoryFullPath)
    {
    }

    /// <summary>Creates the repository over <paramref name="dataDirectory"/>.</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="utcNow">The clock used for the damaged file's timestamp and the orphan age (tests); default <see cref="DateTime.UtcNow"/>.</param>
    public IndexFileRepository(string dataDirectory, Func<DateTime>? utcNow = null)
    {
        IndexPath = Path.Combine(dataDirectory, "gallery.hnsw");
        _utcNow = utcNow ?? (() => DateTime.UtcNow);
    }

    /// <summary>The index file.</summary>
    public string IndexPath { get; }

    /// <summary>The sidecar file.</summary>
    public string SidecarPath => IndexPath + ".json";

    /// <summary>
    /// Deletes temporary files a killed save left beside the index (<c>gallery.hnsw*.tmp</c>), unless they are younger
    /// than <see cref="OrphanAge"/> or another process holds them open for writing.
    /// </summary>
    /// <returns>The names of the files deleted.</returns>
    public IReadOnlyList<string> RemoveOrphanTemporaryFiles()
    {
        var directory = Path.GetDirectoryName(IndexPath)!;
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, Path.GetFileName(IndexPath) + "*.tmp"))
        {
            try
            {
                if (_utcNow() - File.GetLastWriteTimeUtc(file) < OrphanAge)
                {
                    continue;
                }
                // .NET takes an exclusive lock for FileShare.None: a save still writing makes this open fail.
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
                File.Delete(file);
                removed.Add(Path.GetFileName(file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // in use or not ours to delete: leave it
            }
        }
        return removed;
    }

    /// <summary>Loads the index file when it matches; never throws for a missing, stale or damaged file (a damaged one
    /// is kept aside, see <see cref="IndexFileLoad.KeptAs"/>).</summary>
    /// <param name="desired">Parameters and dimension wanted.</param>
    /// <param name="store">The store's fingerprint now (every stored descriptor row, usable or not).</param>
    /// <param name="model">The model that made the stored descriptors.</param>
    /// <param name="indexed">How many of the store's descriptors the index must hold (the usable ones).</param>
    public IndexFileLoad TryLoad(HnswOptions desired, StoreFingerprint store, ModelIdentity? model, int indexed)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (!File.Exists(IndexPath))
        {
            return Refused("no index file");
        }
        if (!File.Exists(SidecarPath))
        {
            return Refused("no index sidecar");
        }
        IndexSidecar? sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<IndexSidecar>(File.ReadAllText(SidecarPath));
        }
        catch (JsonException ex)
        {
            return KeepAside("unreadable index sidecar: " + ex.Message);
        }
        if (sidecar is null)
        {
            return KeepAside("empty index sidecar");
        }
        if (sidecar.Count != store.Count || sidecar.MaxFaceId != store.MaxFaceId)
        {
            return Refused($"index holds {sidecar.Count} faces (max id {sidecar.MaxFaceId}), the store {store.Count} (max id {store.MaxFaceId})");
        }
        if (sidecar.ModelName != model?.Name || sidecar.ModelSha256 != model?.WeightsSha256)
        {
            return Refused("index was built from another model's descriptors");
        }
        if (sidecar.M != desired.M || sidecar.EfConstruction != desired.EfConstruction)
        {
            return Refused($"index was built with M={sidecar.M}, efConstruction={sidecar.EfConstruction}; wanted M={desired.M}, efConstruction={desired.EfConstruction}");
        }
        if (FileSha256(IndexPath) != sidecar.FileSha256)
        {
            // Out of step (a save killed between the index and its sidecar) or damaged: only the file's own format and
            // checksum can tell; a damaged file is kept aside, an intact one is simply rebuilt over.
            return ReadsAsIndex(out var why)
                ? Refused("index file checksum does not match its sidecar")
                : KeepAside(why);
        }
        try
        {
            var loaded = HnswIndex.Load(IndexPath);
            return loaded.Count != indexed || loaded.Dimension != desired.Dimension
                ? Refused($"index file holds {loaded.Count} vectors of {loaded.Dimension} dimensions")
                : new IndexFileLoad(loaded, "");
        }
        catch (OutOfMemoryException)
        {
            return Refused("not enough memory to load the index file");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return KeepAside(ex.Message);
        }
    }

    private bool ReadsAsIndex(out string why)
    {
        try
        {
            _ = HnswIndex.Load(IndexPath);
            why = "";
            return true;
        }
        catch (OutOfMemoryException)
        {
            why = "";
            return true; // cannot tell: do not call it damaged
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            why = ex.Message;
            return false;
        }
    }

    /// <summary>Renames the index file (and its sidecar) to <c>…damaged-&lt;UTC&gt;</c>, never over an existing file.</summary>
    private IndexFileLoad KeepAside(string reason)
    {
        var stamp = _utcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var target = IndexPath + ".damaged-" + stamp;
        for (var n = 1; File.Exists(target) || File.Exists(target + ".json"); n++)
        {
            target = IndexPath + ".damaged-" + stamp + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            File.Move(IndexPath, target, overwrite: false);
            if (File.Exists(SidecarPath))
            {
                File.Move(SidecarPath, target + ".json", overwrite: false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Refused(reason + $" (it could not be kept aside: {ex.Message})");
        }
        return new IndexFileLoad(null, reason) { KeptAs = target };
    }

    /// <summary>Writes <paramref name="index"/> and its sidecar describing <paramref name="store"/> and <paramref name="model"/>.</summary>
    /// <exception cref="IOException">The data directory cannot be written.</exception>
    public void Save(HnswIndex index, StoreFingerprint store, ModelIdentity? model)
    {
        ArgumentNullException.ThrowIfNull(index);
        // The data directory holds the index files even when the store is elsewhere (PostgreSQL): make it on first save.
        Directory.CreateDirectory(Path.GetDirectoryName(IndexPath)!);
        var tmp = IndexPath + ".tmp";
        index.Save(tmp);
        var sidecar = new IndexSidecar(FileSha256(tmp), store.Count, store.MaxFaceId, model?.Name, model?.WeightsSha256, index.Options.M, index.Options.EfConstruction);
        File.Move(tmp, IndexPath, overwrite: true);
        File.WriteAllText(SidecarPath, JsonSerializer.Serialize(sidecar));
    }

    private static IndexFileLoad Refused(string reason) => new(null, reason);

    private static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed record IndexSidecar(string FileSha256, int Count, long MaxFaceId, string? ModelName, string? ModelSha256, int M, int EfConstruction);
}
