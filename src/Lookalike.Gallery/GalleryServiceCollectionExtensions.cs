using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Postgres;
using Lookalike.Gallery.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Gallery;

/// <summary>Registration of the gallery layer (all singletons). The host adds the face pipeline and an <see cref="IDescriptorModel"/>.</summary>
public static class GalleryServiceCollectionExtensions
{
    /// <summary>
    /// Options (validated at start against <see cref="GalleryLimits"/>), the store (<see cref="AddConfiguredGalleryStore"/>
    /// unless one is registered already), the live index and its helpers, the importer and the matcher.
    /// </summary>
    public static IServiceCollection AddLookalikeGalleryServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LookalikeOptions>()
            .Bind(configuration.GetSection(LookalikeOptions.Section))
            .PostConfigure(o => o.Index = WithLegacyEfSearchKey(o.Index, configuration))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Lookalike:DataDirectory must be set.")
            .Validate(o => o.MaxUploadBytes is > 0 and <= GalleryLimits.MaxUploadBytesCeiling, $"Lookalike:MaxUploadBytes must be between 1 byte and {GalleryLimits.MaxUploadBytesCeiling / (1024 * 1024)} MB.")
            .Validate(o => o.EmbedBatchSize is >= 1 and <= GalleryLimits.MaxEmbedBatchSize, $"Lookalike:EmbedBatchSize must be between 1 and {GalleryLimits.MaxEmbedBatchSize}.")
            .Validate(o => o.ImportParallelism is >= 0 and <= GalleryLimits.MaxImportParallelism, $"Lookalike:ImportParallelism must be between 0 (one per core) and {GalleryLimits.MaxImportParallelism}.")
            .Validate(o => GalleryIndexParameters.Validate(o.Index).Count == 0, $"Lookalike:Index is invalid: M {GalleryLimits.MinM}–{GalleryLimits.MaxM}, EfConstruction from M to {GalleryLimits.MaxEfConstruction}, DefaultEfSearch 1–{GalleryLimits.MaxDefaultEfSearch}.")
            .Validate(o => o.MaxArchiveEntryBytes is null or > 0, "Lookalike:MaxArchiveEntryBytes must be positive (or unset: Lookalike:Faces:MaxFileBytes).")
            .Validate(o => o.MaxArchiveTotalBytes > 0, "Lookalike:MaxArchiveTotalBytes must be positive.")
            .Validate(o => o.MaxArchiveEntries > 0, "Lookalike:MaxArchiveEntries must be positive.")
            .Validate(o => o.Store.IsKnownProvider, "Lookalike:Store:Provider must be 'sqlite' or 'postgres'.")
            .Validate(o => !o.Store.IsPostgres || !string.IsNullOrWhiteSpace(o.Store.ConnectionString), "Lookalike:Store:ConnectionString must be set when Lookalike:Store:Provider is 'postgres'.")
            .ValidateOnStart();
        services.AddConfiguredGalleryStore();
        services.AddSingleton<IndexFileRepository>();
        services.AddSingleton<ModelStalenessPolicy>();
        services.AddSingleton<IndexParameterSource>();
        services.AddSingleton<IndexStatusBoard>();
        services.AddSingleton<LiveGallery>();
        services.AddSingleton<IGalleryIndex>(sp => sp.GetRequiredService<LiveGallery>());
        services.AddSingleton<StoreSync>();
        // The store's provider picks how the live index follows other processes' writes: LISTEN/NOTIFY on PostgreSQL, polling on SQLite.
        services.AddSingleton<IIndexSync>(sp => sp.GetRequiredService<IGalleryStore>() is PostgresGalleryStore postgres
            ? ActivatorUtilities.CreateInstance<PostgresIndexSync>(sp, postgres)
            : ActivatorUtilities.CreateInstance<PollingIndexSync>(sp));
        services.AddSingleton<ImportIndexUpdates>();
        services.AddSingleton<GalleryImporter>();
        services.AddSingleton<Curation.GalleryCuration>();
        services.AddSingleton(sp => new ImportRoots(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LookalikeOptions>>().Value.ImportRoots));
        services.AddMetrics();
        services.AddSingleton<GalleryMetrics>();
        services.AddSingleton<MatchService>();
        services.AddSingleton<Estimates.FaceEstimateBackfill>();
        return services;
    }

    /// <summary>
    /// Honours <c>Lookalike:Index:EfSearch</c>, the key this setting had before it became <c>DefaultEfSearch</c>
    /// (the name on <see cref="Lookalike.Index.HnswOptions"/>), when the new key is absent; the new key wins when both are set.
    /// </summary>
    /// <exception cref="InvalidOperationException">The old key is set but is not an integer.</exception>
    private static Lookalike.Index.HnswOptions WithLegacyEfSearchKey(Lookalike.Index.HnswOptions index, IConfiguration configuration)
    {
        var section = configuration.GetSection(LookalikeOptions.Section + ":Index");
        var legacy = section["EfSearch"];
        if (legacy is null || section["DefaultEfSearch"] is not null)
        {
            return index;
        }
        if (!int.TryParse(legacy, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var efSearch))
        {
            throw new InvalidOperationException($"Lookalike:Index:EfSearch must be an integer, got '{legacy}'.");
        }
        return index with { DefaultEfSearch = efSearch };
    }

    /// <summary>
    /// The store <c>Lookalike:Store:Provider</c> names, unless a store is registered already: <see cref="SqliteGalleryStore"/>
    /// in the data directory (<c>sqlite</c>, the default) or <see cref="PostgresGalleryStore"/> on
    /// <c>Lookalike:Store:ConnectionString</c> (<c>postgres</c>).
    /// </summary>
    public static IServiceCollection AddConfiguredGalleryStore(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IGalleryStore)))
        {
            services.AddSingleton<IGalleryStore>(sp =>
            {
                var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LookalikeOptions>>().Value;
                return options.Store.IsPostgres
                    ? new PostgresGalleryStore(options.Store.ConnectionString!)
                    : new SqliteGalleryStore(options.DataDirectoryFullPath);
            });
        }
        return services;
    }

    /// <summary>The embedded default store: <see cref="SqliteGalleryStore"/> in the data directory, unless a store is registered already.</summary>
    public static IServiceCollection AddSqliteGalleryStore(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IGalleryStore)))
        {
            services.AddSingleton<IGalleryStore, SqliteGalleryStore>();
        }
        return services;
    }
}
