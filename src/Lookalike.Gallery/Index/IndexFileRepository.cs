using System.Security.Cryptography;
using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Index;
using Microsoft.Extensions.Options;

namespace Lookalike.Gallery.Index;

/// <summary>An index read from its file, or why none could be used.</summary>
/// <param name="Index">The loaded index; null when <see cref="Reason"/> says why it was not usable.</param>
/// <param name="Reason">Empty on success, otherwise a sentence for the log ("no index file", "index file checksum does not match", …).</param>
public sealed record IndexFileLoad(HnswIndex? Index, string Reason);

/// <summary>
/// The index file (<c>gallery.hnsw</c> in the data directory) and its sidecar (<c>gallery.hnsw.json</c>: the file's
/// SHA-256, face count, largest face id, model, M, efConstruction). A file is used only when the sidecar agrees with the
/// store, the model and the parameters and the checksum matches. Saving writes one temporary file, renames it over the
/// index, then writes the sidecar: a kill at any point leaves a pair whose checksum disagrees at worst, which costs a rebuild.
/// </summary>
public sealed class IndexFileRepository
{
    /// <summary>Creates the repository over the configured data directory.</summary>
    public IndexFileRepository(IOptions<LookalikeOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.DataDirectoryFullPath)
    {
    }

    /// <summary>Creates the repository over <paramref name="dataDirectory"/>.</summary>
    public IndexFileRepository(string dataDirectory)
    {
        IndexPath = Path.Combine(dataDirectory, "gallery.hnsw");
    }

    /// <summary>The index file.</summary>
    public string IndexPath { get; }

    /// <summary>The sidecar file.</summary>
    public string SidecarPath => IndexPath + ".json";

    /// <summary>Loads the index file when it matches; never throws for a missing, stale or damaged file.</summary>
    /// <param name="desired">Parameters and dimension wanted.</param>
    /// <param name="store">The store's fingerprint now.</param>
    /// <param name="model">The model that made the stored descriptors.</param>
    public IndexFileLoad TryLoad(HnswOptions desired, StoreFingerprint store, ModelIdentity? model)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (!File.Exists(IndexPath) || !File.Exists(SidecarPath))
        {
            return Refused("no index file");
        }
        IndexSidecar? sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<IndexSidecar>(File.ReadAllText(SidecarPath));
        }
        catch (JsonException ex)
        {
            return Refused("unreadable index sidecar: " + ex.Message);
        }
        if (sidecar is null)
        {
            return Refused("empty index sidecar");
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
            return Refused("index file checksum does not match");
        }
        try
        {
            var loaded = HnswIndex.Load(IndexPath);
            return loaded.Count != store.Count || loaded.Dimension != desired.Dimension
                ? Refused($"index file holds {loaded.Count} vectors of {loaded.Dimension} dimensions")
                : new IndexFileLoad(loaded, "");
        }
        catch (Exception ex) when (ex is IndexFormatException or IOException or InvalidDataException or EndOfStreamException)
        {
            return Refused("index file failed to load: " + ex.Message);
        }
    }

    /// <summary>Writes <paramref name="index"/> and its sidecar describing <paramref name="store"/> and <paramref name="model"/>.</summary>
    /// <exception cref="IOException">The data directory cannot be written.</exception>
    public void Save(HnswIndex index, StoreFingerprint store, ModelIdentity? model)
    {
        ArgumentNullException.ThrowIfNull(index);
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
