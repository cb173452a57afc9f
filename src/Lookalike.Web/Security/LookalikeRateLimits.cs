using System.Globalization;
using System.Threading.RateLimiting;
using Lookalike.Web.Api;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Security;

/// <summary>
/// Per-client request limits (<c>Lookalike:RateLimits</c> in appsettings.json), each a fixed one-minute window per
/// client address; 0 turns a limit off. Behind a reverse proxy the client address is the proxy's unless forwarded
/// headers are configured (README, Deploy).
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Lookalike:RateLimits";

    /// <summary><c>POST /api/match</c> and <c>POST /api/search</c> requests per client per minute. Default 120.</summary>
    public int MatchPerMinute { get; set; } = 120;

    /// <summary>Photos a circuit (one browser tab) may upload per minute on the home page (webcam frames do not count). Default 30.</summary>
    public int UploadsPerMinute { get; set; } = 30;

    /// <summary>New Blazor circuits (page loads that connect) per client per minute. Default 30.</summary>
    public int CircuitsPerMinute { get; set; } = 30;

    /// <summary>Admin sign-in and setup attempts per client per minute. Default 5.</summary>
    public int SignInPerMinute { get; set; } = 5;
}

/// <summary>ASP.NET Core's rate limiter set up with <see cref="RateLimitOptions"/>; a refused request gets 429 with <c>Retry-After</c>.</summary>
public static class LookalikeRateLimits
{
    /// <summary>Policy of <c>/api/match</c> and <c>/api/search</c>.</summary>
    public const string MatchPolicy = "match";

    /// <summary>Policy of the sign-in and setup form posts.</summary>
    public const string SignInPolicy = "signin";

    private static readonly PathString CircuitNegotiate = new("/_blazor/negotiate");

    /// <summary>Registers the limiter: the two policies plus a global limit on new circuits (<c>/_blazor/negotiate</c>).</summary>
    public static IServiceCollection AddLookalikeRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.MatchPerMinute >= 0 && o.UploadsPerMinute >= 0 && o.CircuitsPerMinute >= 0 && o.SignInPerMinute >= 0, "Lookalike:RateLimits values must be 0 (off) or more")
            .ValidateOnStart();
        services.AddSingleton<UploadRateLimiter>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            o.AddPolicy(MatchPolicy, http => PerClient(http, http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.MatchPerMinute));
            o.AddPolicy(SignInPolicy, http => PerClient(http, http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.SignInPerMinute));
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => http.Request.Path.StartsWithSegments(CircuitNegotiate)
                ? PerClient(http, http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.CircuitsPerMinute)
                : RateLimitPartition.GetNoLimiter("unlimited"));
        });
        return services;
    }

    private static RateLimitPartition<string> PerClient(HttpContext http, int perMinute) =>
        perMinute <= 0
            ? RateLimitPartition.GetNoLimiter("off")
            : RateLimitPartition.GetFixedWindowLimiter(
                $"{http.Connection.RemoteIpAddress}|{perMinute}",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true });

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var response = context.HttpContext.Response;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (context.HttpContext.Request.Path.StartsWithSegments("/account"))
        {
            // a browser's form post: a page a person can read, with the way back
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(
                $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many sign-in attempts · Lookalike</title></head><body style=\"font-family: sans-serif; margin: 2rem\">" +
                $"<h1>Too many sign-in attempts</h1><p>Wait {seconds} s and try again.</p><p><a href=\"{AdminAuthentication.SignInPath}\">Back to sign-in</a></p></body></html>",
                cancellationToken).ConfigureAwait(false);
            return;
        }
        await response.WriteAsJsonAsync(new ApiError("rate_limited", $"Too many requests from your address; wait {seconds} s and try again."), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Per-circuit upload limit of the home page (<see cref="RateLimitOptions.UploadsPerMinute"/>), one fixed window per circuit.</summary>
public sealed class UploadRateLimiter(IOptions<RateLimitOptions> options)
{
    /// <summary>A limiter for one circuit (dispose it with the circuit); null when the limit is off.</summary>
    public RateLimiter? CreateForCircuit()
    {
        var perMinute = options.Value.UploadsPerMinute;
        return perMinute <= 0 ? null : new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true });
    }
}
