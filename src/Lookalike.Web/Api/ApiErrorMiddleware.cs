using System.Text.Json;

namespace Lookalike.Web.Api;

/// <summary>
/// Makes every error under <c>/api</c> a JSON <see cref="ApiError"/>: a request the framework refuses while binding
/// (<see cref="BadHttpRequestException"/>: malformed JSON, wrong types, a bad query value, a wrong content type) gets its
/// status with a code, and an error status with no body (no route matched, a wrong method) gets a body instead of the HTML status page.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    /// <summary>The path prefix this middleware covers.</summary>
    public static readonly PathString Prefix = new("/api");

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Path.StartsWithSegments(Prefix))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            LogBadRequest(context.Request.Method, context.Request.Path, ex.StatusCode, ex.Message);
            var code = ex.StatusCode switch
            {
                StatusCodes.Status400BadRequest when ex.InnerException is JsonException => "bad_json",
                _ => CodeFor(ex.StatusCode),
            };
            var message = ex.InnerException is JsonException json ? $"{ex.Message} ({json.Message})" : ex.Message;
            await WriteAsync(context, ex.StatusCode, code, message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            LogFailed(ex, context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "internal_error", "the server failed to handle the request").ConfigureAwait(false);
            return;
        }
        var status = context.Response.StatusCode;
        if (status >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null && string.IsNullOrEmpty(context.Response.ContentType))
        {
            var message = status switch
            {
                StatusCodes.Status404NotFound => $"no API endpoint at {context.Request.Path}",
                StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
                StatusCodes.Status415UnsupportedMediaType => $"content type '{context.Request.ContentType}' is not supported here",
                _ => $"the request failed with status {status}",
            };
            await WriteAsync(context, status, CodeFor(status), message).ConfigureAwait(false);
        }
    }

    private static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "headers_too_large",
        _ => "error",
    };

    private static Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(code, message), context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path}: {Status} {Reason}")]
    private partial void LogBadRequest(string method, string path, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private partial void LogFailed(Exception ex, string method, string path);
}
