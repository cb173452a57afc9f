using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Web.Api;
using Lookalike.Web.Components;
using Lookalike.Web.Gallery;
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
        services.AddOptions<FaceOptions>().Bind(configuration.GetSection("Lookalike:Faces"));
        services.AddSingleton(sp => new FacePipeline(sp.GetRequiredService<IOptions<FaceOptions>>().Value));
        services.AddSingleton<IDescriptorModel, PipelineDescriptorModel>();
        services.AddLookalikeGalleryServices(configuration);
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
        builder.Services.AddLookalikeAdmin();
        builder.Services.AddLookalikeRateLimits(builder.Configuration);
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
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
