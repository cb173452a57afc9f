using System.Security.Claims;
using System.Text.Encodings.Web;
using Lookalike.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Security;

/// <summary>
/// Authenticates a script by an admin API key sent as <c>Authorization: Bearer lk_…</c> or <c>X-Api-Key: lk_…</c>
/// (checked against the stored SHA-256 digests, see <see cref="AdminCredentials"/>). No header: no result, so the
/// request stays anonymous. A challenge answers 401 and a forbid 403, both as a JSON <see cref="ApiError"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminCredentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The header a key may also come in.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>The key in the request, or null when it carries none.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrEmpty(header))
        {
            return header.ToString().Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    /// <inheritdoc/>
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = KeyOf(Request);
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (credentials.FindApiKey(key) is not { } stored)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key is not valid (revoked, mistyped or from another gallery)"));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, AdminAccount.Default.Name), new Claim(ClaimTypes.Role, AdminAuthentication.AdminRole), new Claim(AdminAuthentication.ApiKeyIdClaim, stored.Id)],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <inheritdoc/>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var message = result.Failure?.Message ?? "this endpoint needs an admin API key: send 'Authorization: Bearer lk_…' (create one with the create-api-key verb)";
        await Response.WriteAsJsonAsync(new ApiError("unauthorized", message)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new ApiError("forbidden", "this API key may not do that")).ConfigureAwait(false);
    }
}
