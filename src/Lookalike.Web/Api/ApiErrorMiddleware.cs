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
            var code = ex.StatusCode switch
            {
                StatusCodes.Status400BadRequest when ex.InnerException is JsonException => "bad_json",
                _ => CodeFor(ex.StatusCode),
            };
            var message = ex.InnerException is JsonException json ? $"{ex.Message} ({json.Message})" : ex.Message;
            if (ex.StatusCode == StatusCodes.Status400BadRequest && BindFailure().Match(ex.Message) is { Success: true } m)
            {
                // The framework names the CLR type ("Nullable<int> k"); say what the parameter takes instead, with the
                // code its range check uses (so ?k=abc and ?k=0 answer alike).
                (code, message) = QueryValueError(m.Groups["name"].Value, m.Groups["type"].Value, m.Groups["value"].Value);
            }
            LogBadRequest(context.Request.Method, context.Request.Path, ex.StatusCode, ForLog(message));
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

    /// <summary>The error for a query value that does not parse as its parameter's type: the parameter's own code
    /// (<c>bad_k</c>, <c>bad_ef_search</c>, <c>bad_offset</c>, <c>bad_limit</c>, else <c>bad_request</c>) and words a
    /// caller can act on.</summary>
    internal static (string Code, string Message) QueryValueError(string name, string clrType, string value)
    {
        var type = clrType.StartsWith("Nullable<", StringComparison.Ordinal) ? clrType[9..^1] : clrType;
        var takes = type switch
        {
            "int" or "long" or "Int32" or "Int64" => "an integer",
            "bool" or "Boolean" => "true or false",
            "float" or "double" or "Single" or "Double" => "a number",
            _ => $"a value of type {type}",
        };
        var code = name switch
        {
            "k" => "bad_k",
            "efSearch" => "bad_ef_search",
            "offset" => "bad_offset",
            "limit" => "bad_limit",
            _ => "bad_request",
        };
        var shown = Cut(value, 64);
        return (code, $"query parameter '{name}' must be {takes}, got \"{shown}\"");
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units of <paramref name="text"/> and "…" when it was longer,
    /// never ending inside a surrogate pair.</summary>
    internal static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var n = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, n), "…");
    }

    /// <summary>A refusal's message for the log: cut to 300 units, control characters (a value's newlines) as spaces,
    /// so that a request cannot write lines of its own into the log.</summary>
    private static string ForLog(string message)
    {
        var cut = Cut(message, 300);
        return string.Create(cut.Length, cut, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? ' ' : s[i];
            }
        });
    }

    /// <summary>Minimal APIs' message for a parameter that does not bind: Failed to bind parameter "TYPE NAME" from "VALUE".</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>[^\" ]+) (?<name>[A-Za-z0-9_]+)\" from \"(?<value>.*)\"\\.?$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

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
