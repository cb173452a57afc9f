using System.Security.Cryptography;
using System.Text;

namespace Lookalike.Web.Security;

/// <summary>
/// The one-time setup token of a gallery with no admin password: made at start (128 random bits) and printed to the
/// log with where to use it (<c>/setup</c>); it sets the first password and then stops working. A restart before that
/// prints a new one. The <c>set-admin-password</c> verb is the other way in.
/// </summary>
public sealed partial class AdminSetup(AdminCredentials credentials, ILogger<AdminSetup> logger) : IHostedService
{
    private readonly Lock _lock = new();
    private string? _token;

    /// <summary>True while a token is waiting to be used (no password set yet).</summary>
    public bool Pending
    {
        get
        {
            lock (_lock)
            {
                return _token is not null;
            }
        }
    }

    /// <summary>The pending token (also in the log); for tests in this process.</summary>
    internal string? Token
    {
        get
        {
            lock (_lock)
            {
                return _token;
            }
        }
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!credentials.HasPassword)
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            lock (_lock)
            {
                _token = token;
            }
            LogToken(token);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True when <paramref name="token"/> is the pending token (fixed-time comparison).</summary>
    public bool Matches(string? token)
    {
        string? expected;
        lock (_lock)
        {
            expected = _token;
        }
        return expected is not null && token is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(token.Trim()));
    }

    /// <summary>Retires the token (the first password is set).</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _token = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin password is set. Open /setup and enter the one-time setup token {Token} to choose one (or run the set-admin-password verb). Until then nobody can import or tune.")]
    private partial void LogToken(string token);
}
