using System.Security.Claims;
using Lookalike.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Mvc;

namespace Lookalike.Web.Security;

/// <summary>
/// The admin boundary (ASP.NET Core authentication and authorization): visitors are anonymous and read-only; the admin
/// signs in with a password (cookie, antiforgery-checked forms, rate-limited) and scripts use an admin API key. Pages
/// and controls that change the gallery or the index need <see cref="AdminPolicy"/>; <c>/api/admin/*</c> needs
/// <see cref="AdminApiPolicy"/> (API key only, so a browser's cookie cannot be used cross-site against the API).
/// </summary>
public static class AdminAuthentication
{
    /// <summary>Policy of the admin pages and controls: a signed-in admin (cookie).</summary>
    public const string AdminPolicy = "Admin";

    /// <summary>Policy of <c>/api/admin/*</c>: an admin API key.</summary>
    public const string AdminApiPolicy = "AdminApi";

    /// <summary>The role every admin principal has.</summary>
    public const string AdminRole = "admin";

    /// <summary>Scheme name of <see cref="ApiKeyAuthenticationHandler"/>.</summary>
    public const string ApiKeyScheme = "ApiKey";

    /// <summary>Claim holding <see cref="AdminCredentials.CurrentStamp"/> at sign-in.</summary>
    public const string StampClaim = "lookalike:stamp";

    /// <summary>Claim holding the id of the API key used.</summary>
    public const string ApiKeyIdClaim = "lookalike:api_key";

    /// <summary>Name of the sign-in cookie.</summary>
    public const string CookieName = "lookalike.admin";

    /// <summary>Sign-in page path.</summary>
    public const string SignInPath = "/signin";

    /// <summary>Registers the credentials, the setup token, cookie and API-key authentication, the policies and the circuit's revalidating state provider.</summary>
    public static IServiceCollection AddLookalikeAdmin(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AdminCredentials>();
        services.AddSingleton<AdminSetup>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminSetup>());
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = SignInPath;
                o.AccessDeniedPath = SignInPath;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateStampAsync;
                o.Events.OnRedirectToLogin = c => ApiAwareRedirect(c, StatusCodes.Status401Unauthorized, "unauthorized", "sign in as the admin first");
                o.Events.OnRedirectToAccessDenied = c => ApiAwareRedirect(c, StatusCodes.Status403Forbidden, "forbidden", "the admin only");
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(AdminRole))
            .AddPolicy(AdminApiPolicy, p => p.AddAuthenticationSchemes(ApiKeyScheme).RequireAuthenticatedUser().RequireRole(AdminRole));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, AdminRevalidatingStateProvider>();
        return services;
    }

    /// <summary>The principal of a signed-in admin, stamped with the current password's stamp.</summary>
    public static ClaimsPrincipal AdminPrincipal(string? stamp) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, AdminAccount.Default.Name), new Claim(ClaimTypes.Role, AdminRole), new Claim(StampClaim, stamp ?? "")],
        CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>True when <paramref name="user"/> is the admin.</summary>
    public static bool IsAdmin(this ClaimsPrincipal user) => user?.Identity?.IsAuthenticated == true && user.IsInRole(AdminRole);

    private static async Task ValidateStampAsync(CookieValidatePrincipalContext context)
    {
        var credentials = context.HttpContext.RequestServices.GetRequiredService<AdminCredentials>();
        var stamp = context.Principal?.FindFirst(StampClaim)?.Value;
        if (stamp is null || stamp != credentials.CurrentStamp())
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        }
    }

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int status, string code, string message)
    {
        if (context.Request.Path.StartsWithSegments(ApiErrorMiddleware.Prefix))
        {
            context.Response.StatusCode = status;
            return context.Response.WriteAsJsonAsync(new ApiError(code, message));
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Maps the account form posts (antiforgery-checked, rate-limited by <see cref="LookalikeRateLimits.SignInPolicy"/>):
    /// <c>POST /account/signin</c> (password, returnUrl), <c>POST /account/signout</c> and <c>POST /account/setup</c>
    /// (token, password, confirm). Each answers with a redirect.
    /// </summary>
    public static IEndpointRouteBuilder MapLookalikeAccount(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/signin", SignInAsync).RequireRateLimiting(LookalikeRateLimits.SignInPolicy);
        account.MapPost("/setup", SetupAsync).RequireRateLimiting(LookalikeRateLimits.SignInPolicy);
        account.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.LocalRedirect("/");
        });
        return app;
    }

    private static async Task<IResult> SignInAsync(HttpContext http, [FromForm] string? password, [FromForm] string? returnUrl, AdminCredentials credentials, ILoggerFactory loggers)
    {
        if (!credentials.HasPassword)
        {
            return Results.LocalRedirect("/setup");
        }
        if (!credentials.VerifyPassword(password))
        {
            loggers.CreateLogger("Lookalike.Web.Security").LogWarning("Admin sign-in refused (wrong password) from {Address}", http.Connection.RemoteIpAddress);
            return Results.LocalRedirect($"{SignInPath}?error=wrong&ReturnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
        }
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AdminPrincipal(credentials.CurrentStamp())).ConfigureAwait(false);
        return Results.LocalRedirect(SafeReturnUrl(returnUrl));
    }

    private static async Task<IResult> SetupAsync(HttpContext http, [FromForm] string? token, [FromForm] string? password, [FromForm] string? confirm, AdminSetup setup, AdminCredentials credentials)
    {
        if (credentials.HasPassword)
        {
            return Results.LocalRedirect(SignInPath);
        }
        string? problem = !setup.Matches(token) ? "wrong-token"
            : password != confirm ? "mismatch"
            : AdminCredentials.PasswordProblem(password) is not null ? "weak"
            : null;
        if (problem is not null)
        {
            return Results.LocalRedirect($"/setup?error={problem}");
        }
        credentials.SetPassword(password!);
        setup.Complete();
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AdminPrincipal(credentials.CurrentStamp())).ConfigureAwait(false);
        return Results.LocalRedirect("/gallery");
    }

    /// <summary><paramref name="returnUrl"/> when it is a local path (not <c>//host</c> or <c>/\host</c>), else <c>/gallery</c>.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')) && !returnUrl.StartsWith(SignInPath, StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/gallery";
}

/// <summary>
/// The circuit's authentication state, re-checked every 30 s: a circuit signed in with a password that has since been
/// changed (<c>set-admin-password</c>) drops to anonymous without a reload.
/// </summary>
public sealed class AdminRevalidatingStateProvider(ILoggerFactory loggers, AdminCredentials credentials) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    /// <inheritdoc/>
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        var user = authenticationState.User;
        return Task.FromResult(!user.IsAdmin() || user.FindFirst(AdminAuthentication.StampClaim)?.Value == credentials.CurrentStamp());
    }
}
