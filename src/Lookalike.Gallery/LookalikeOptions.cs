using Lookalike.Index;

namespace Lookalike.Gallery;

/// <summary>Settings of the app, bound from the <c>Lookalike</c> configuration section and validated at start.</summary>
public sealed class LookalikeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Lookalike";

    /// <summary>Which gallery store (<c>Lookalike:Store:Provider</c>, <c>Lookalike:Store:ConnectionString</c>). Defaults to SQLite in <see cref="DataDirectory"/>.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>Folder of the SQLite store and the index file. Relative paths resolve against the current directory. Defaults to <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Largest accepted upload in bytes (UI and HTTP API). Defaults to 10 MiB; at most <see cref="GalleryLimits.MaxUploadBytesCeiling"/>.</summary>
    public long MaxUploadBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>Decode/detect workers during an import; 0 means one per core. Defaults to 0; at most <see cref="GalleryLimits.MaxImportParallelism"/>.</summary>
    public int ImportParallelism { get; set; }

    /// <summary>Faces embedded and written per batch during an import. Defaults to 32; 1 to <see cref="GalleryLimits.MaxEmbedBatchSize"/>.</summary>
    public int EmbedBatchSize { get; set; } = 32;

    /// <summary>
    /// Index parameters used until the tuning page stores others (<c>Lookalike:Index:M</c>, <c>EfConstruction</c>,
    /// <c>DefaultEfSearch</c>; defaults 16 / 200 / 64, see <see cref="HnswOptions"/>). Their dimension and metric are not
    /// read: the dimension comes from the embedder at run time and the gallery's metric is cosine.
    /// </summary>
    public HnswOptions Index { get; set; } = GalleryIndexParameters.Defaults;

    /// <summary>
    /// Folders the web app may import from the server (gallery page's server path); a requested path and every link in
    /// it must resolve into one of them. Empty (default): no server-folder import from the web. The command-line
    /// <c>import</c> verb is not restricted.
    /// </summary>
    public string[] ImportRoots { get; set; } = [];

    /// <summary>Largest file or archive entry an import reads, in bytes; null (default): the face pipeline's <c>Lookalike:Faces:MaxFileBytes</c> (20 MiB).</summary>
    public long? MaxArchiveEntryBytes { get; set; }

    /// <summary>Largest sum of uncompressed entry sizes an import reads from one archive, in bytes. Defaults to 2 GiB.</summary>
    public long MaxArchiveTotalBytes { get; set; } = Import.ArchiveLimits.DefaultMaxTotalBytes;

    /// <summary>Most entries in one imported archive; a zip with more is refused before its entries are parsed. Defaults to 300,000 (CelebA has 202,599 photos).</summary>
    public int MaxArchiveEntries { get; set; } = Import.ArchiveLimits.DefaultMaxEntries;

    /// <summary>The archive bounds, with <paramref name="maxFileBytes"/> as the per-entry bound when <see cref="MaxArchiveEntryBytes"/> is not set.</summary>
    public Import.ArchiveLimits ArchiveLimits(long maxFileBytes) => new(MaxArchiveEntryBytes ?? maxFileBytes, MaxArchiveTotalBytes, MaxArchiveEntries);

    /// <summary>The data directory as an absolute path.</summary>
    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}

/// <summary>The gallery store adapter, bound from <c>Lookalike:Store</c>.</summary>
public sealed class StoreOptions
{
    /// <summary>The embedded default: <c>gallery.db</c> in the data directory.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>A PostgreSQL server, shared by several app processes (<see cref="ConnectionString"/> required).</summary>
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>, case-insensitive.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>The Npgsql connection string for <c>postgres</c> (for example <c>Host=db;Database=lookalike;Username=lookalike</c>;
    /// <c>Search Path</c> picks the schema). Not read for <c>sqlite</c>. Defaults to none.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>True when <see cref="Provider"/> names PostgreSQL.</summary>
    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <see cref="Provider"/> is one of the two known names.</summary>
    public bool IsKnownProvider => IsPostgres || string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);
}
