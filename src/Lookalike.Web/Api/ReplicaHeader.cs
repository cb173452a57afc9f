namespace Lookalike.Web.Api;

/// <summary>
/// Names the replica that answered (README "Scale out"): with <c>Lookalike:ReplicaName</c> set, every response carries
/// <c>X-Lookalike-Replica: &lt;name&gt;</c>, so an operator (or the failover test) behind a load balancer can tell which
/// process holds a visitor's circuit. Unset (the default, one process), no header is sent.
/// </summary>
public static class ReplicaHeader
{
    /// <summary>The response header.</summary>
    public const string HeaderName = "X-Lookalike-Replica";

    /// <summary>The configuration key (environment variable <c>Lookalike__ReplicaName</c>).</summary>
    public const string ConfigurationKey = "Lookalike:ReplicaName";

    /// <summary>Adds the header when <see cref="ConfigurationKey"/> is set.</summary>
    /// <exception cref="InvalidOperationException">The name is longer than 64 characters or holds anything but printable ASCII (it goes into a header).</exception>
    public static IApplicationBuilder UseReplicaHeader(this IApplicationBuilder app, IConfiguration configuration)
    {
        var name = configuration[ConfigurationKey];
        if (string.IsNullOrEmpty(name))
        {
            return app;
        }
        if (name.Length > 64 || name.Any(c => c < 0x21 || c > 0x7e))
        {
            throw new InvalidOperationException($"{ConfigurationKey} must be 1–64 printable ASCII characters without spaces (it is sent as the {HeaderName} header).");
        }
        return app.Use((context, next) =>
        {
            context.Response.Headers[HeaderName] = name;
            return next(context);
        });
    }
}
