namespace Lookalike.Web.Gallery;

/// <summary>Settings of the app, bound from the <c>Lookalike</c> configuration section and validated at start.</summary>
public sealed class LookalikeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Lookalike";

    /// <summary>Folder of the SQLite store and the index file. Relative paths resolve against the current directory. Defaults to <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Largest accepted upload in bytes (UI and HTTP API). Defaults to 10 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>Decode/detect workers during an import; 0 means one per core. Defaults to 0.</summary>
    public int ImportParallelism { get; set; }

    /// <summary>Faces embedded and written per batch during an import. Defaults to 32.</summary>
    public int EmbedBatchSize { get; set; } = 32;

    /// <summary>Index parameters used until the tuning page stores others.</summary>
    public IndexParameters Index { get; set; } = new();

    /// <summary>The data directory as an absolute path.</summary>
    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}

/// <summary>
/// HNSW parameters of the gallery index. M (links per node, default 16, ≥ 2): more links → better recall, more memory
/// (≈ 2·M·4 bytes per face on layer 0). EfConstruction (default 200, ≥ M): candidate list while building → better graph,
/// slower build. EfSearch (default 64, ≥ 1): candidate list per query → better recall, slower search; raised to k when smaller.
/// </summary>
public sealed class IndexParameters
{
    public int M { get; set; } = 16;
    public int EfConstruction { get; set; } = 200;
    public int EfSearch { get; set; } = 64;

    /// <summary>Field errors, empty when valid (M ≥ 2 and ≤ 128, EfConstruction ≥ M and ≤ 2000, EfSearch 1–2000).</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>();
        if (M is < 2 or > 128)
        {
            errors[nameof(M)] = "M must be between 2 and 128.";
        }
        if (EfConstruction < M || EfConstruction > 2000)
        {
            errors[nameof(EfConstruction)] = "efConstruction must be at least M and at most 2000.";
        }
        if (EfSearch is < 1 or > 2000)
        {
            errors[nameof(EfSearch)] = "efSearch must be between 1 and 2000.";
        }
        return errors;
    }

    public IndexParameters Clone() => new() { M = M, EfConstruction = EfConstruction, EfSearch = EfSearch };

    public override string ToString() => $"M={M}, efConstruction={EfConstruction}, efSearch={EfSearch}";
}
