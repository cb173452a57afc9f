using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Web;

/// <summary>The admin boundary over HTTP: what an anonymous caller is refused, API keys, the sign-in form, setup, rate limits.</summary>
public sealed partial class AdminBoundaryTests : IDisposable
{
    private const string Password = "correct horse battery staple";
    private readonly LookalikeAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    /// <summary>Every endpoint that changes the gallery or the index, with a body that would be accepted.</summary>
    public static TheoryData<string, string> MutatingEndpoints() => new()
    {
        { "POST", "/api/admin/import" },
        { "POST", "/api/admin/import/archive" },
        { "POST", "/api/admin/photos" },
        { "PUT", "/api/admin/index/ef-search" },
        { "POST", "/api/admin/index/rebuild" },
        { "GET", "/api/admin/import" },
        { "GET", "/api/admin/people" },
        { "POST", "/api/admin/people/1/rename" },
        { "POST", "/api/admin/people/1/merge-into/2" },
        { "DELETE", "/api/admin/people/1" },
        { "DELETE", "/api/admin/faces/1" },
    };

    private static HttpRequestMessage Request(string method, string path, string? key = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
        {
            request.Content = path switch
            {
                "/api/admin/import" => JsonContent.Create(new { path = "/tmp", format = "Auto" }),
                "/api/admin/index/ef-search" => JsonContent.Create(new { efSearch = 77 }),
                "/api/admin/index/rebuild" => JsonContent.Create(new { m = 8, efConstruction = 40, efSearch = 20 }),
                _ when path.EndsWith("/rename", StringComparison.Ordinal) => JsonContent.Create(new { name = "Someone Else" }),
                _ => new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "archive", "a.zip" }, { new StringContent("Someone"), "person" } },
            };
        }
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task AdminApi_Anonymous_Refused401JsonAndNothingChanges(string method, string path)
    {
        using var client = _factory.CreateClient();
        var before = _factory.Services.GetRequiredService<LiveGallery>().Current.Parameters;

        using var response = await client.SendAsync(Request(method, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unauthorized", error.GetProperty("code").GetString());
        Assert.Contains("API key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _factory.Services.GetRequiredService<LiveGallery>().Current.Parameters);
        Assert.False(_factory.Services.GetRequiredService<Lookalike.Web.Services.ImportJobs>().IsRunning);
    }

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task AdminApi_WrongOrRevokedKey_Refused401(string method, string path)
    {
        var credentials = _factory.Services.GetRequiredService<AdminCredentials>();
        var (key, stored) = credentials.CreateApiKey("test");
        credentials.RevokeApiKeys(stored.Id);
        using var client = _factory.CreateClient();

        using var revoked = await client.SendAsync(Request(method, path, key));
        using var mistyped = await client.SendAsync(Request(method, path, key[..^1] + (key[^1] == 'A' ? 'B' : 'A')));

        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, mistyped.StatusCode);
        Assert.Contains("not valid", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"path\": null}")]
    [InlineData("{\"path\": \"  \"}")]
    public async Task AdminApi_ImportWithoutAPath_400NamingTheField(string body)
    {
        var (key, _) = _factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("script");
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/import") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", key);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("no_path", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AdminApi_UploadedArchive_SkipsNamedByTheZipNotByAServerTempPath()
    {
        var (key, _) = _factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("script");
        await _factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        using var client = _factory.CreateClient();
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("Test_Alice/not-a-photo.jpg").Open());
            entry.Write("plain text, not a JPEG");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/import/archive")
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(zip.ToArray()), "archive", "my people.zip" } },
        };
        request.Headers.Authorization = new("Bearer", key);
        using var started = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);

        JsonElement status = default;
        for (var i = 0; i < 200; i++)
        {
            using var poll = await client.SendAsync(Request("GET", "/api/admin/import", key));
            status = await poll.Content.ReadFromJsonAsync<JsonElement>();
            if (!status.GetProperty("running").GetBoolean() && status.GetProperty("lastSummary").ValueKind == JsonValueKind.Object)
            {
                break;
            }
            await Task.Delay(100);
        }
        var skipped = status.GetProperty("lastSummary").GetProperty("skippedFiles").EnumerateArray().Single();
        Assert.Equal("my people.zip!Test_Alice/not-a-photo.jpg", skipped.GetProperty("source").GetString());
        Assert.DoesNotContain(Path.GetTempPath(), status.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "lookalike-upload-*"), d => File.Exists(Path.Combine(d, "my people.zip"))); // removed after the import
    }

    [Theory]
    [InlineData("lfw.tgz", "lfw.tgz")]
    [InlineData("LFW.TAR.GZ", "LFW.TAR.GZ")]
    [InlineData("people.tar", "people.tar")]
    [InlineData("my people.zip", "my people.zip")]
    [InlineData("../../etc/lfw.tgz", "lfw.tgz")]
    [InlineData("photos", "photos.zip")]
    public void UploadedArchive_SafeName_KeepsEveryArchiveExtension(string name, string expected) =>
        Assert.Equal(expected, Lookalike.Web.Services.UploadedArchive.SafeName(name));

    [Fact]
    public async Task AdminApi_UploadedTgz_ImportedAsATarAndSkipsNamedByTheArchive()
    {
        var (key, _) = _factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("script");
        await _factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        using var client = _factory.CreateClient();
        using var temp = new TempDirectory("lookalike-tgz-api");
        var tgz = Path.Combine(temp.Path, "people.tgz");
        Lookalike.Tests.Gallery.TarImportTests.WriteTar(tgz,
            new("lfw/Test_Alice/not-a-photo.jpg", "plain text, not a JPEG"u8.ToArray()),
            new("lfw/Test_Alice/link.jpg", Type: System.Formats.Tar.TarEntryType.SymbolicLink, Link: "/etc/passwd"));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/import/archive")
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(tgz)), "archive", "my people.tgz" } },
        };
        request.Headers.Authorization = new("Bearer", key);
        using var started = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);

        JsonElement status = default;
        for (var i = 0; i < 200; i++)
        {
            using var poll = await client.SendAsync(Request("GET", "/api/admin/import", key));
            status = await poll.Content.ReadFromJsonAsync<JsonElement>();
            if (!status.GetProperty("running").GetBoolean() && status.GetProperty("lastSummary").ValueKind == JsonValueKind.Object)
            {
                break;
            }
            await Task.Delay(100);
        }
        var skipped = status.GetProperty("lastSummary").GetProperty("skippedFiles").EnumerateArray()
            .ToDictionary(f => f.GetProperty("source").GetString()!, f => f.GetProperty("reason").GetString()!);
        Assert.Equal(["my people.tgz!lfw/Test_Alice/link.jpg", "my people.tgz!lfw/Test_Alice/not-a-photo.jpg"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("not a regular file: a symbolic link", skipped["my people.tgz!lfw/Test_Alice/link.jpg"], StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), status.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_TruncatedTgzUnderTheImportRoots_EntriesBeforeTheCutAccountedAndTheDamageNamed()
    {
        using var roots = new TempDirectory("lookalike-tgz-roots");
        using var data = new TempDirectory();
        using var factory = new LookalikeAppFactory(data.Path) { ImportRoots = [roots.Path] };
        var (key, _) = factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("script");
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        using var client = factory.CreateClient();
        var whole = Path.Combine(roots.Path, "whole.tgz");
        var random = new Random(7);
        Lookalike.Tests.Gallery.TarImportTests.WriteTar(whole, [.. Enumerable.Range(0, 8).Select(i =>
        {
            var bytes = new byte[64 * 1024];
            random.NextBytes(bytes);
            return new Lookalike.Tests.Gallery.TarImportTests.Item($"lfw/Person_{i}/Person_{i}_0001.jpg", bytes);
        })]);
        var cut = Path.Combine(roots.Path, "cut.tgz");
        var all = await File.ReadAllBytesAsync(whole);
        await File.WriteAllBytesAsync(cut, all[..(all.Length / 2)]);

        using var outside = Request("POST", "/api/admin/import", key);
        outside.Content = JsonContent.Create(new { path = "/etc/passwd.tgz" });
        using var refused = await client.SendAsync(outside);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var request = Request("POST", "/api/admin/import", key);
        request.Content = JsonContent.Create(new { path = cut, format = "Lfw" });
        using var started = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        JsonElement status = default;
        for (var i = 0; i < 300; i++)
        {
            using var poll = await client.SendAsync(Request("GET", "/api/admin/import", key));
            status = await poll.Content.ReadFromJsonAsync<JsonElement>();
            if (!status.GetProperty("running").GetBoolean() && status.GetProperty("lastSummary").ValueKind == JsonValueKind.Object)
            {
                break;
            }
            await Task.Delay(100);
        }

        var summary = status.GetProperty("lastSummary");
        var skipped = summary.GetProperty("skippedFiles").EnumerateArray()
            .ToDictionary(f => f.GetProperty("source").GetString()!, f => f.GetProperty("reason").GetString()!);
        Assert.StartsWith("damaged archive: it cannot be read past lfw/Person_", skipped["cut.tgz!"], StringComparison.Ordinal);
        // every entry before the cut is accounted for (random bytes: not an image); one the cut runs through, if the cut
        // falls in an entry's data rather than between entries, is unreadable
        Assert.Equal("not an image", skipped["cut.tgz!lfw/Person_0/Person_0_0001.jpg"].Split(':')[0]);
        Assert.All(skipped.Where(f => f.Key != "cut.tgz!"), f => Assert.True(
            f.Value.StartsWith("not an image", StringComparison.Ordinal) || f.Value.StartsWith("unreadable: cut.tgz is damaged or cut off here", StringComparison.Ordinal), f.Value));
        Assert.True(skipped.Count(f => f.Value.StartsWith("unreadable", StringComparison.Ordinal)) <= 1);
        Assert.InRange(skipped.Count, 4, 8);
        Assert.Equal(skipped.Count, summary.GetProperty("skipped").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("error").ValueKind);
        Assert.DoesNotContain(roots.Path, status.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_ValidKey_SetsEfSearchAndReportsImportState()
    {
        var (key, _) = _factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("script");
        await _factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        using var client = _factory.CreateClient();

        using var set = await client.SendAsync(Request("PUT", "/api/admin/index/ef-search", key));
        using var bad = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/admin/index/ef-search") { Content = JsonContent.Create(new { efSearch = 0 }), Headers = { { "X-Api-Key", key } } });
        using var status = await client.SendAsync(Request("GET", "/api/admin/import", key));
        using var outside = await client.SendAsync(Request("POST", "/api/admin/import", key));

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(77, _factory.Services.GetRequiredService<LiveGallery>().Current.Parameters.DefaultEfSearch);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.False((await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("running").GetBoolean());
        // no import roots are configured: a server path is refused with the reason, as on the gallery page
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Contains("ImportRoots", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task AdminApi_SignedInCookie_DoesNotCount(string method, string path)
    {
        _factory.Services.GetRequiredService<AdminCredentials>().SetPassword(Password);
        using var client = NoRedirectClient();
        using var signedIn = await SignInAsync(client, Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        using var response = await client.SendAsync(Request(method, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GalleryPage_Anonymous_RedirectsToSignIn()
    {
        using var client = NoRedirectClient();

        using var response = await client.GetAsync("/gallery");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin?ReturnUrl=%2Fgallery", response.Headers.Location?.PathAndQuery);
    }

    [Fact]
    public async Task SignIn_RightPassword_CookieOpensGallery_PasswordChangeEndsIt()
    {
        var credentials = _factory.Services.GetRequiredService<AdminCredentials>();
        credentials.SetPassword(Password);
        using var client = NoRedirectClient();

        using var signedIn = await SignInAsync(client, Password, returnUrl: "/gallery");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/gallery", signedIn.Headers.Location?.OriginalString);
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AdminAuthentication.CookieName + "=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase));
        using var gallery = await client.GetAsync("/gallery");
        Assert.Equal(HttpStatusCode.OK, gallery.StatusCode);
        Assert.Contains("Celebrity gallery", await gallery.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        credentials.SetPassword(Password + " 2");
        using var after = await client.GetAsync("/gallery");

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task SignIn_WrongPassword_BackToFormWithError_NoCookie()
    {
        _factory.Services.GetRequiredService<AdminCredentials>().SetPassword(Password);
        using var client = NoRedirectClient();

        using var response = await SignInAsync(client, "not the password", returnUrl: "//evil.example/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin?error=wrong", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Contains("ReturnUrl=%2Fgallery", response.Headers.Location?.OriginalString, StringComparison.Ordinal); // an off-site return URL is dropped
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith(AdminAuthentication.CookieName + "=", StringComparison.Ordinal));
        using var gallery = await client.GetAsync("/gallery");
        Assert.Equal(HttpStatusCode.Redirect, gallery.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_Refused()
    {
        _factory.Services.GetRequiredService<AdminCredentials>().SetPassword(Password);
        using var client = NoRedirectClient();

        using var response = await client.PostAsync("/account/signin", new FormUrlEncodedContent([new("password", Password)]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(AdminAuthentication.CookieName + "=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignIn_SixthAttemptInAMinute_429EvenWithTheRightPassword()
    {
        _factory.Services.GetRequiredService<AdminCredentials>().SetPassword(Password);
        using var client = NoRedirectClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await SignInAsync(client, "guess " + i);
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        }

        using var limited = await SignInAsync(client, Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);
        Assert.Contains("Too many sign-in attempts", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setup_FreshGallery_TokenSetsFirstPasswordOnce()
    {
        var setup = _factory.Services.GetRequiredService<AdminSetup>();
        var credentials = _factory.Services.GetRequiredService<AdminCredentials>();
        Assert.True(setup.Pending);
        Assert.False(credentials.HasPassword);
        using var client = NoRedirectClient();

        using var wrong = await PostFormAsync(client, "/setup", "/account/setup", [new("token", "0123456789abcdef0123456789abcdef"), new("password", Password), new("confirm", Password)]);
        Assert.Equal("/setup?error=wrong-token", wrong.Headers.Location?.OriginalString);
        using var weak = await PostFormAsync(client, "/setup", "/account/setup", [new("token", setup.Token!), new("password", "short"), new("confirm", "short")]);
        Assert.Equal("/setup?error=weak", weak.Headers.Location?.OriginalString);
        Assert.False(credentials.HasPassword);

        using var done = await PostFormAsync(client, "/setup", "/account/setup", [new("token", setup.Token!), new("password", Password), new("confirm", Password)]);

        Assert.Equal("/gallery", done.Headers.Location?.OriginalString);
        Assert.True(credentials.VerifyPassword(Password));
        Assert.False(setup.Pending);
        using var gallery = await client.GetAsync("/gallery");
        Assert.Equal(HttpStatusCode.OK, gallery.StatusCode);
    }

    [Fact]
    public void Credentials_PasswordStoredAsPbkdf2Hash_ApiKeyAsDigest()
    {
        var credentials = _factory.Services.GetRequiredService<AdminCredentials>();
        var store = _factory.Services.GetRequiredService<IGalleryStore>();

        credentials.SetPassword(Password);
        var (key, stored) = credentials.CreateApiKey("ci");

        var hash = store.GetMeta("admin.password_hash")!;
        Assert.DoesNotContain(Password, hash, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]); // ASP.NET Core Identity v3 format: PBKDF2 with a per-password salt
        Assert.NotEqual(hash, new Microsoft.AspNetCore.Identity.PasswordHasher<AdminAccount>().HashPassword(AdminAccount.Default, Password)); // salted
        Assert.True(credentials.VerifyPassword(Password));
        Assert.False(credentials.VerifyPassword(Password.ToUpperInvariant()));
        Assert.StartsWith(AdminCredentials.ApiKeyPrefix, key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, store.GetMeta("admin.api_keys")!, StringComparison.Ordinal);
        Assert.Equal(stored, credentials.FindApiKey(key));
        Assert.Null(credentials.FindApiKey("lk_" + new string('A', 43)));
        Assert.Throws<ArgumentException>(() => credentials.SetPassword("too short"));
    }

    private HttpClient NoRedirectClient() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string password, string returnUrl = "/gallery") =>
        PostFormAsync(client, "/signin", "/account/signin", [new("password", password), new("returnUrl", returnUrl)]);

    /// <summary>GETs the page with the form (for its antiforgery token and cookie), then posts the form as a browser would.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string action, List<KeyValuePair<string, string>> fields)
    {
        var html = await client.GetStringAsync(page);
        var token = TokenField().Match(html);
        Assert.True(token.Success, $"no antiforgery token on {page}");
        fields.Add(new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value)));
        return await client.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
