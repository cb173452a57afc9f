using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Web.Api;
using Lookalike.Web.Components;
using Lookalike.Web.Gallery;
using Lookalike.Web.Observability;
using Lookalike.Web.Security;
using Lookalike.Web.Services;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Lookalike.Web;

/// <summary>Registration of the app's services: <see cref="AddLookalikeGallery"/> for the CLI and the web app, <see cref="AddLookalikeWeb"/> for the web app.</summary>
public static class LookalikeExtensions
{
    /// <summary>The face pipeline and its descriptor model, then the gallery layer (options, store, live index, importer, matcher; all singletons).</summary>
    public static IServiceCollection AddLookalikeGallery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FaceOptions>().Bind(configuration.GetSection("Lookalike:Faces"))
            .Validate(o => DescriptorModels.IsKnown(o.Model), DescriptorModels.UnknownMessage)
            .ValidateOnStart();
        services.AddSingleton(sp => new FacePipeline(sp.GetRequiredService<IOptions<FaceOptions>>().Value));
        services.AddSingleton(sp => new Lookalike.Faces.AgeGender.ChipAgeGenderEstimator(sp.GetRequiredService<IOptions<FaceOptions>>().Value));
        services.AddSingleton<IDescriptorModel, PipelineDescriptorModel>();
        services.AddLookalikeGalleryServices(configuration);
        return services;
    }

    /// <summary>
    /// The content root for a published app started from another folder (a systemd unit, a shell elsewhere): the
    /// executable's folder when it holds <c>wwwroot</c> and the working folder does not, so scripts and stylesheets
    /// are found. Null (ASP.NET Core's default: the working folder) otherwise, or when <c>--contentRoot</c> or
    /// <c>ASPNETCORE_CONTENTROOT</c> chooses one. The data directory stays relative to the working folder.
    /// </summary>
    /// <param name="args">The command-line arguments.</param>
    public static string? PublishedContentRoot(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT")))
        {
            return null;
        }
        var here = Directory.GetCurrentDirectory();
        var beside = AppContext.BaseDirectory;
        return !Directory.Exists(Path.Combine(here, "wwwroot")) && Directory.Exists(Path.Combine(beside, "wwwroot")) ? beside : null;
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
        // A build folder (dotnet build / dotnet run), unlike a published one, serves its scripts and stylesheets from the
        // packages' folders through the static web assets manifest, which ASP.NET Core reads only in Development. Read
        // it in every environment, so running the built dll in Production serves the UI instead of empty 200 responses.
        if (!builder.Environment.IsDevelopment() && File.Exists(Path.Combine(AppContext.BaseDirectory, builder.Environment.ApplicationName + ".staticwebassets.runtime.json")))
        {
            builder.WebHost.UseStaticWebAssets();
        }
        builder.Services.AddLookalikeGallery(builder.Configuration);
        // A small photo travels with the call that starts its search (upload.js), so one hub message must hold it; the
        // default is 32 KiB. Larger photos are streamed in chunks.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = GalleryLimits.MaxDirectPhotoBytes + GalleryLimits.HubMessageOverheadBytes);
        builder.Services.AddMudServices();
        builder.Services.AddOpenApi();
        // binding failures (malformed JSON, wrong types, a bad query value) throw, so ApiErrorMiddleware can answer them as JSON
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHostedService<IndexStartupService>();
        builder.Services.AddHostedService<EstimateBackfillService>();
        builder.Services.AddSingleton<ImportJobs>();
        builder.Services.AddScoped<LookalikeSession>();
        builder.Services.AddLookalikeAdmin();
        builder.Services.AddLookalikeRateLimits(builder.Configuration);
        builder.Services.AddLookalikeObservability();
        return builder;
    }

    /// <summary>The middleware pipeline and endpoints.</summary>
    public static WebApplication UseLookalike(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Behind a reverse proxy on the same host (README "Deploy"): X-Forwarded-For/-Proto from loopback proxies only
        // (ASP.NET Core's default KnownProxies), so rate limits key on the visitor's address and cookies know HTTPS.
        app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseSecurityHeaders();
        app.UseReplicaHeader(app.Configuration);
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts(); // sent only over HTTPS (ASP.NET Core skips it on loopback hosts)
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapLookalikeApi();
        app.MapLookalikeAdminApi();
        app.MapLookalikeAccount();
        app.MapLookalikeObservability();
        // one Content-Security-Policy (SecurityHeaders, frame-ancestors 'none'), not a second one from Blazor
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
