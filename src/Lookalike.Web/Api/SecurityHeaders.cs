namespace Lookalike.Web.Api;

/// <summary>
/// Security headers on every response: a Content-Security-Policy that allows what Blazor Server and MudBlazor need and
/// nothing from other origins, no MIME sniffing, no framing (clickjacking), no referrer to other sites, the camera for
/// this origin only. Blazor's own <c>frame-ancestors 'self'</c> header is turned off where the components are mapped,
/// so this is the one policy sent.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The policy. Scripts and styles from this origin only; inline styles (MudBlazor sets style attributes) and inline
    /// scripts (Blazor's <c>&lt;ImportMap /&gt;</c> is an inline <c>importmap</c> script) are allowed; images from this
    /// origin, <c>data:</c> and <c>blob:</c> (the uploaded or webcam photo); the circuit's WebSocket to this origin only
    /// (<c>'self'</c> covers <c>ws:</c>/<c>wss:</c> to the same host in CSP Level 3).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "media-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; " +
        "form-action 'self'; frame-ancestors 'none'";

    /// <summary>Adds the headers to every response of <paramref name="app"/>.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        // the page uses the camera (webcam mode) and nothing else of the device
        headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()";
        return next(context);
    });
}
