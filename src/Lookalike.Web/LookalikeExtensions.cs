using Lookalike.Faces;
using Lookalike.Web.Api;
using Lookalike.Web.Components;
using Lookalike.Web.Gallery;
using Lookalike.Web.Services;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Lookalike.Web;

/// <summary>Registration of the app's services: <see cref="AddLookalikeGallery"/> for the CLI and the web app, <see cref="AddLookalikeWeb"/> for the web app.</summary>
public static class LookalikeExtensions
{
    /// <summary>Options, the face pipeline, the store, the index host, the importer and the matcher (all singletons).</summary>
    public static IServiceCollection AddLookalikeGallery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LookalikeOptions>()
            .Bind(configuration.GetSection(LookalikeOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Lookalike:DataDirectory must be set.")
            .Validate(o => o.MaxUploadBytes is > 0 and <= 200L * 1024 * 1024, "Lookalike:MaxUploadBytes must be between 1 byte and 200 MB.")
            .Validate(o => o.EmbedBatchSize is >= 1 and <= 1024, "Lookalike:EmbedBatchSize must be between 1 and 1024.")
            .Validate(o => o.ImportParallelism is >= 0 and <= 256, "Lookalike:ImportParallelism must be between 0 (one per core) and 256.")
            .Validate(o => o.Index.Validate().Count == 0, "Lookalike:Index is invalid: M 2–128, EfConstruction ≥ M, EfSearch ≥ 1.")
            .ValidateOnStart();
        services.AddOptions<FaceOptions>().Bind(configuration.GetSection("Lookalike:Faces"));
        services.AddSingleton(sp => new FacePipeline(sp.GetRequiredService<IOptions<FaceOptions>>().Value));
        services.AddSingleton(sp => new GalleryStore(sp.GetRequiredService<IOptions<LookalikeOptions>>()));
        services.AddSingleton<GalleryIndexHost>();
        services.AddSingleton<GalleryImporter>();
        services.AddSingleton<MatchService>();
        return services;
    }

    /// <summary>Blazor, MudBlazor, OpenAPI, the index start-up service and the UI's scoped state.</summary>
    public static WebApplicationBuilder AddLookalikeWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // appsettings.json beside the executable is the base layer, so the app also finds it when started from another folder
        // (the content root's appsettings.json, environment variables and arguments still override it).
        var beside = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(beside) && !string.Equals(Path.GetFullPath(builder.Environment.ContentRootPath), Path.GetFullPath(AppContext.BaseDirectory), StringComparison.Ordinal))
        {
            ((IList<IConfigurationSource>)builder.Configuration.Sources).Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
                Path = "appsettings.json",
                Optional = true,
            });
        }
        builder.Services.AddLookalikeGallery(builder.Configuration);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddOpenApi();
        // binding failures (malformed JSON, wrong types, a bad query value) throw, so ApiErrorMiddleware can answer them as JSON
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHostedService<IndexStartupService>();
        builder.Services.AddSingleton<ImportJobs>();
        builder.Services.AddScoped<LookalikeSession>();
        return builder;
    }

    /// <summary>The middleware pipeline and endpoints.</summary>
    public static WebApplication UseLookalike(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapLookalikeApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}

/// <summary>Loads or rebuilds the gallery index in the background when the web app starts (the UI shows progress meanwhile).</summary>
public sealed partial class IndexStartupService(GalleryIndexHost host, ILogger<IndexStartupService> logger) : BackgroundService
{
    /// <summary>How often the store is checked for faces another process (the CLI) imported.</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await host.EnsureReadyAsync(stoppingToken).ConfigureAwait(false);
            // A CLI import into this data directory while the app runs is picked up here (a count query when nothing changed).
            using var timer = new PeriodicTimer(SyncInterval);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    host.SyncWithStore();
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Data.Common.DbException or ArgumentException)
                {
                    LogSyncFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the store for faces imported by another process failed")]
    private partial void LogSyncFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "The gallery index could not be made ready; the app runs with an empty gallery")]
    private partial void LogFailed(Exception ex);
}
