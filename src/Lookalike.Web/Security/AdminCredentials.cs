using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lookalike.Gallery;
using Microsoft.AspNetCore.Identity;

namespace Lookalike.Web.Security;

/// <summary>The one administrator account (there are no other users: visitors are anonymous).</summary>
public sealed record AdminAccount(string Name)
{
    /// <summary>The account every admin credential belongs to.</summary>
    public static AdminAccount Default { get; } = new("admin");
}

/// <summary>An admin API key as stored: an id to name it by and the SHA-256 of the key (the key itself is never stored).</summary>
/// <param name="Id">Short public id (8 hex digits), shown by <c>list</c> and used to revoke one key.</param>
/// <param name="Name">What the key is for (free text).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole key string.</param>
/// <param name="CreatedUtc">When it was made.</param>
public sealed record StoredApiKey(string Id, string Name, string Sha256, DateTimeOffset CreatedUtc);

/// <summary>
/// The admin credentials, kept in the gallery store's meta table (so every replica over one store shares them):
/// the password as ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> output (PBKDF2-HMAC-SHA512, 100,000
/// iterations, 128-bit salt, format v3) and API keys as SHA-256 digests (a key is 256 random bits, so a fast hash is
/// enough; compared in fixed time). No crypto of our own.
/// </summary>
public sealed class AdminCredentials(IGalleryStore store, TimeProvider time)
{
    /// <summary>Shortest accepted admin password (characters).</summary>
    public const int MinPasswordLength = 12;

    /// <summary>Longest accepted admin password (characters); longer input is refused rather than hashed.</summary>
    public const int MaxPasswordLength = 1024;

    /// <summary>Prefix of every API key (so a leaked key is recognisable in logs and secret scanners).</summary>
    public const string ApiKeyPrefix = "lk_";

    private const string PasswordKey = "admin.password_hash";
    private const string ApiKeysKey = "admin.api_keys";
    private static readonly TimeSpan StampCacheTime = TimeSpan.FromSeconds(5);
    private readonly PasswordHasher<AdminAccount> _hasher = new();
    private readonly Lock _lock = new();
    private (string? Stamp, DateTimeOffset ReadAt) _stampCache = (null, DateTimeOffset.MinValue);

    /// <summary>True when an admin password has been set.</summary>
    public bool HasPassword => !string.IsNullOrEmpty(store.GetMeta(PasswordKey));

    /// <summary>Why <paramref name="password"/> cannot be an admin password, or null when it can.</summary>
    public static string? PasswordProblem(string? password) =>
        string.IsNullOrEmpty(password) ? "The password is empty."
        : password.Length < MinPasswordLength ? $"The password must have at least {MinPasswordLength} characters."
        : password.Length > MaxPasswordLength ? $"The password must have at most {MaxPasswordLength} characters."
        : string.IsNullOrWhiteSpace(password) ? "The password is only spaces."
        : null;

    /// <summary>Sets (or replaces) the admin password; every session signed in with the old one stops being valid.</summary>
    /// <exception cref="ArgumentException">The password fails <see cref="PasswordProblem"/>.</exception>
    public void SetPassword(string password)
    {
        if (PasswordProblem(password) is { } problem)
        {
            throw new ArgumentException(problem, nameof(password));
        }
        store.SetMeta((PasswordKey, _hasher.HashPassword(AdminAccount.Default, password)));
        InvalidateStamp();
    }

    /// <summary>
    /// True when <paramref name="password"/> is the admin password (false when none is set). An old-format hash that
    /// verifies is re-hashed with the current parameters.
    /// </summary>
    public bool VerifyPassword(string? password)
    {
        var hash = store.GetMeta(PasswordKey);
        if (string.IsNullOrEmpty(hash) || string.IsNullOrEmpty(password) || password.Length > MaxPasswordLength)
        {
            return false;
        }
        var result = _hasher.VerifyHashedPassword(AdminAccount.Default, hash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            store.SetMeta((PasswordKey, _hasher.HashPassword(AdminAccount.Default, password)));
            InvalidateStamp();
        }
        return result != PasswordVerificationResult.Failed;
    }

    /// <summary>
    /// A short digest of the stored password hash, put into the sign-in cookie: a cookie whose stamp differs (the
    /// password was changed) is rejected. Null when no password is set. Read from the store at most every 5 s.
    /// </summary>
    public string? CurrentStamp()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _stampCache.ReadAt < StampCacheTime)
            {
                return _stampCache.Stamp;
            }
            var hash = store.GetMeta(PasswordKey);
            var stamp = string.IsNullOrEmpty(hash) ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash)))[..16];
            _stampCache = (stamp, now);
            return stamp;
        }
    }

    private void InvalidateStamp()
    {
        lock (_lock)
        {
            _stampCache = (null, DateTimeOffset.MinValue);
        }
    }

    /// <summary>Creates an API key (<c>lk_</c> + 43 base64url characters, 256 random bits), stores its SHA-256 and returns the key: the only time it is seen.</summary>
    public (string Key, StoredApiKey Stored) CreateApiKey(string? name)
    {
        var key = ApiKeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var stored = new StoredApiKey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), string.IsNullOrWhiteSpace(name) ? "api key" : name.Trim(), Digest(key), time.GetUtcNow());
        lock (_lock)
        {
            WriteKeys([.. ReadKeys(), stored]);
        }
        return (key, stored);
    }

    /// <summary>The stored API keys (digests only).</summary>
    public IReadOnlyList<StoredApiKey> ListApiKeys() => ReadKeys();

    /// <summary>Revokes the key with <paramref name="id"/>, or every key when it is null; returns how many were revoked.</summary>
    public int RevokeApiKeys(string? id)
    {
        lock (_lock)
        {
            var keys = ReadKeys();
            var kept = id is null ? [] : keys.Where(k => !string.Equals(k.Id, id, StringComparison.OrdinalIgnoreCase)).ToList();
            WriteKeys(kept);
            return keys.Count - kept.Count;
        }
    }

    /// <summary>The stored key that <paramref name="key"/> is, or null (compared digest to digest in fixed time).</summary>
    public StoredApiKey? FindApiKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || !key.StartsWith(ApiKeyPrefix, StringComparison.Ordinal) || key.Length > 200)
        {
            return null;
        }
        var digest = Encoding.ASCII.GetBytes(Digest(key));
        StoredApiKey? found = null;
        foreach (var stored in ReadKeys())
        {
            if (CryptographicOperations.FixedTimeEquals(digest, Encoding.ASCII.GetBytes(stored.Sha256)))
            {
                found = stored;
            }
        }
        return found;
    }

    private static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private List<StoredApiKey> ReadKeys()
    {
        var json = store.GetMeta(ApiKeysKey);
        return string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<StoredApiKey>>(json) ?? [];
    }

    private void WriteKeys(List<StoredApiKey> keys) => store.SetMeta((ApiKeysKey, JsonSerializer.Serialize(keys)));
}
