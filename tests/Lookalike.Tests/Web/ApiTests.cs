using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web.Api;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lookalike.Tests.Web;

/// <summary>The HTTP API over the imported LFW slice.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class ApiTests(LfwGalleryFixture gallery) : IDisposable
{
    private LookalikeAppFactory? _factory;

    private LookalikeAppFactory Factory => _factory ??= new LookalikeAppFactory(gallery.DataDirectory);

    public void Dispose() => _factory?.Dispose();

    private async Task<HttpClient> ReadyClientAsync()
    {
        var client = Factory.CreateClient();
        await Factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        return client;
    }

    internal static MultipartFormDataContent Photo(byte[] bytes, string name = "photo.jpg")
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "image", name);
        return content;
    }

    [SharedDataFact("data/lfw")]
    public async Task PostMatch_HeldBackPhoto_FirstMatchIsThatPerson()
    {
        using var client = await ReadyClientAsync();
        var probe = gallery.HeldBack[0];
        using var content = Photo(await File.ReadAllBytesAsync(probe.Path));

        using var response = await client.PostAsync(new Uri("/api/match?k=5", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<MatchResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var face = body!.Faces[0];
        Assert.Equal(probe.Person, face.Matches[0].Person);
        Assert.Equal(5, face.Matches.Count);
        Assert.True(face.Box.Width > 40);
        using var thumb = await client.GetAsync(new Uri(face.Matches[0].ThumbnailUrl, UriKind.Relative));
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType!.MediaType);
        using var person = await client.GetAsync(new Uri($"/api/people/{face.Matches[0].PersonId}", UriKind.Relative));
        var raw = await person.Content.ReadAsStringAsync();
        var personDto = System.Text.Json.JsonSerializer.Deserialize<PersonDto>(raw, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Equal(probe.Person, personDto!.Name);
        // no server path in the response: neither the data directory nor the folder the gallery was imported from
        Assert.DoesNotContain(gallery.DataDirectory, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(gallery.SliceDirectory, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp", raw, StringComparison.Ordinal);
        Assert.All(personDto.Faces, f => Assert.StartsWith(probe.Person.Replace(" ", "_", StringComparison.Ordinal) + "/", f.Source, StringComparison.Ordinal));
    }

    [SharedDataFact("data/lfw")]
    public async Task PostMatch_SameSex_OnlyFacesOfTheProbesSex_OffByDefault_EstimatesShown()
    {
        using var client = await ReadyClientAsync();
        var mixed = 0;
        foreach (var probe in gallery.HeldBack.Take(15))
        {
            var bytes = await File.ReadAllBytesAsync(probe.Path);
            using var plainContent = Photo(bytes);
            using var plainResponse = await client.PostAsync(new Uri("/api/match?k=10&efSearch=400", UriKind.Relative), plainContent);
            var plain = (await plainResponse.Content.ReadFromJsonAsync<MatchResponse>())!.Faces[0];
            using var filteredContent = Photo(bytes);
            using var filteredResponse = await client.PostAsync(new Uri("/api/match?k=10&efSearch=400&sameSex=true", UriKind.Relative), filteredContent);
            var filtered = (await filteredResponse.Content.ReadFromJsonAsync<MatchResponse>())!.Faces[0];

            Assert.Equal(HttpStatusCode.OK, filteredResponse.StatusCode);
            Assert.False(plain.SameSexFiltered);
            Assert.NotNull(plain.Estimate);
            Assert.Equal(plain.Estimate, filtered.Estimate);
            Assert.All(plain.Matches, m => Assert.NotNull(m.Estimate));
            if (plain.Estimate!.Sex == "unknown")
            {
                Assert.False(filtered.SameSexFiltered);
                continue;
            }
            Assert.True(filtered.SameSexFiltered);
            Assert.Equal(10, filtered.Matches.Count);
            Assert.All(filtered.Matches, m => Assert.Equal(plain.Estimate.Sex, m.Estimate!.Sex));
            // the faces of the probe's sex keep their order; the others give way to farther faces of that sex
            var same = plain.Matches.Where(m => m.Estimate!.Sex == plain.Estimate.Sex).Select(m => m.FaceId).ToList();
            Assert.Equal(same, filtered.Matches.Take(same.Count).Select(m => m.FaceId));
            if (same.Count < plain.Matches.Count)
            {
                mixed++;
            }
        }
        Assert.True(mixed > 0, "no probe had a mixed list");
    }

    [SharedDataFact("bugs/inputs")]
    public async Task PostMatch_Nothing_IsStored()
    {
        using var client = await ReadyClientAsync();
        var before = gallery.Summary is null ? 0 : new SqliteGalleryStore(gallery.DataDirectory).GetStats().Photos;
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, "b01_upright_control.jpg")));

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before, new SqliteGalleryStore(gallery.DataDirectory).GetStats().Photos);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task PostMatch_NoFace_SaysNoFaceDetected()
    {
        using var client = await ReadyClientAsync();
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, "b11_no_face_fruits.jpg")));

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<MatchResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body!.Faces);
        Assert.Equal("No face detected", body.Message);
    }

    [SharedDataTheory("bugs/inputs")]
    [InlineData("b08_text_named.jpg", HttpStatusCode.BadRequest, "not_an_image")]
    [InlineData("b08_html_named.png", HttpStatusCode.BadRequest, "not_an_image")]
    [InlineData("b06_soi_then_junk.jpg", HttpStatusCode.BadRequest, "corrupt_image")]
    [InlineData("b06_truncated_half.jpg", HttpStatusCode.BadRequest, "corrupt_image")]
    [InlineData("b06_zero_bytes.jpg", HttpStatusCode.BadRequest, "empty_file")]
    [InlineData("b10_1x1.png", HttpStatusCode.BadRequest, "image_too_small")]
    public async Task PostMatch_BadImage_Returns400WithCode(string file, HttpStatusCode status, string code)
    {
        using var client = await ReadyClientAsync();
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, file)), file);

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, error!.Code);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task PostMatch_Heic_Returns415OrMatches()
    {
        using var client = await ReadyClientAsync();
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, "b09_iphone_style.heic")), "b09_iphone_style.heic");

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.UnsupportedMediaType, HttpStatusCode.OK });
    }

    [Fact]
    public async Task PostMatch_OverTenMegabytes_Returns413()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var content = Photo(new byte[11_000_000]);

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("file_too_large", error!.Code);
        Assert.Contains("larger than 10 MB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(127)]
    [InlineData(129)]
    [InlineData(512)]
    public async Task PostSearch_WrongDimension_Returns400NamingBothSizes(int dimension)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(new float[dimension], 10));
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("wrong_dimension", error!.Code);
        Assert.Equal($"expected 128 dimensions, got {dimension}", error.Message);
    }

    [Fact]
    public async Task PostSearch_EmptyGallery_ReturnsNoNeighbours()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(Enumerable.Repeat(0.1f, 128).ToArray(), 10));
        var body = await response.Content.ReadFromJsonAsync<SearchResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body!.Neighbors);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task PostMatch_EmptyGallery_SaysImportFirst()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, "b01_upright_control.jpg")));

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<MatchResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The celebrity gallery is empty — import a gallery first", body!.Message);
        Assert.Empty(body.Faces[0].Matches);
    }

    [SharedDataFact("data/lfw")]
    public async Task PostSearch_StoredDescriptor_FindsItselfFirst()
    {
        using var client = await ReadyClientAsync();
        var (faces, vectors) = new SqliteGalleryStore(gallery.DataDirectory).ReadAllEmbeddings(128);

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(vectors[..128], 3, 32));
        var body = await response.Content.ReadFromJsonAsync<SearchResponse>();

        Assert.Equal(faces[0].FaceId, body!.Neighbors[0].Label);
        Assert.InRange(body.Neighbors[0].Distance, 0f, 1e-4f);
        Assert.Equal(3, body.Neighbors.Count);
        Assert.True(body.DistanceComputations > 0);
    }

    [SharedDataFact("data/lfw")]
    public async Task GetStats_ImportedSlice_ReportsCountsAndLoadedIndex()
    {
        using var client = await ReadyClientAsync();

        var stats = await client.GetFromJsonAsync<StatsDto>(new Uri("/api/stats", UriKind.Relative));

        Assert.Equal(gallery.Summary!.Imported, stats!.Faces);
        Assert.Equal(stats.Faces, stats.IndexCount);
        Assert.True(stats.LoadedFromFile);
        Assert.Equal(0, stats.Rebuilds);
        Assert.NotEmpty(stats.LayerCounts);
    }

    [Fact]
    public async Task GetOpenApi_Document_ListsTheEndpoints()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        var json = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Contains("/api/match", json, StringComparison.Ordinal);
        Assert.Contains("/api/search", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPerson_Unknown_Returns404()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/people/999999", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/stats")]
    [InlineData("/api/people/999999")]
    public async Task AnyResponse_CarriesSecurityHeaders(string path)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy")); // one policy, not Blazor's beside ours
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal); // the circuit's socket to this origin only
        Assert.Contains("camera=(self)", Assert.Single(response.Headers.GetValues("Permissions-Policy")), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task PostSearch_ZeroVector_Returns400ZeroVector()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(new float[128], 10));
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("zero_vector", error!.Code);
        Assert.Contains("zero", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e-45f, "zero_vector")] // subnormal: once stored as +Infinity, after which every search returned NaN
    [InlineData(1e-30f, "zero_vector")] // squared norm underflows float32
    public async Task PostSearch_VectorThatCannotBeNormalised_Returns400WithTypedCode(float component, string code)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        var embedding = new float[128];
        Array.Fill(embedding, component);

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(embedding, 10));
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, error!.Code);
    }

    [Theory]
    [InlineData("{\"embedding\":[NaN]}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"embedding\":[\"abc\"]}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"embedding\":[0.1],\"k\":1.5}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"embedding\":[1,2", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("not json at all", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"embedding\":[0.1]}", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task PostSearch_MalformedBody_ReturnsJsonError(string body, string contentType, HttpStatusCode status)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, contentType);

        using var response = await client.PostAsync(new Uri("/api/search", UriKind.Relative), content);

        await AssertJsonErrorAsync(response, status, status == HttpStatusCode.UnsupportedMediaType ? "unsupported_media_type" : null);
    }

    [Theory]
    [InlineData("GET", "/api/people/abc", HttpStatusCode.NotFound, "not_found")]
    [InlineData("GET", "/api/faces/abc/thumbnail", HttpStatusCode.NotFound, "not_found")]
    [InlineData("GET", "/api/nothing-here", HttpStatusCode.NotFound, "not_found")]
    [InlineData("POST", "/api/match?k=abc", HttpStatusCode.BadRequest, "bad_k")]
    [InlineData("POST", "/api/match?efSearch=1.5", HttpStatusCode.BadRequest, "bad_ef_search")]
    [InlineData("POST", "/api/match?sameSex=maybe", HttpStatusCode.BadRequest, "bad_request")]
    public async Task Api_BadRouteOrQuery_ReturnsJsonError(string method, string url, HttpStatusCode status, string? code)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = Photo([1, 2, 3]);
        }

        using var response = await client.SendAsync(request);

        await AssertJsonErrorAsync(response, status, code);
    }

    [Theory]
    [InlineData("k=abc", "query parameter 'k' must be an integer, got \"abc\"")]
    [InlineData("sameSex=maybe", "query parameter 'sameSex' must be true or false, got \"maybe\"")]
    public async Task PostMatch_UnparsableQueryValue_NamesWhatTheParameterTakes(string query, string expected)
    {
        // Arrange: the framework's own words name the CLR type ("Nullable<int> k").
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var photo = Photo([1, 2, 3]);

        // Act
        using var response = await client.PostAsync(new Uri($"/api/match?{query}", UriKind.Relative), photo);

        // Assert
        var error = System.Text.Json.JsonSerializer.Deserialize<ApiError>(await response.Content.ReadAsStringAsync(), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, error!.Message);
        Assert.DoesNotContain("Nullable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMatch_LongUnparsableQueryValue_IsCutWithoutSplittingACharacter()
    {
        // Arrange: 100 emoji (two UTF-16 units each) after one letter: 64 units would end inside a pair.
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var photo = Photo([1, 2, 3]);
        var value = "a" + string.Concat(Enumerable.Repeat("\U0001F600", 100));

        // Act
        using var response = await client.PostAsync(new Uri($"/api/match?k={Uri.EscapeDataString(value)}", UriKind.Relative), photo);

        // Assert
        var error = System.Text.Json.JsonSerializer.Deserialize<ApiError>(await response.Content.ReadAsStringAsync(), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Equal("bad_k", error!.Code);
        Assert.EndsWith("…\"", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', error.Message);
        Assert.True(error.Message.Length < 130, error.Message);
        for (var i = 0; i < error.Message.Length; i++)
        {
            Assert.False(char.IsHighSurrogate(error.Message[i]) && (i + 1 == error.Message.Length || !char.IsLowSurrogate(error.Message[i + 1])), $"lone surrogate at {i}");
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task PostMatch_NotMultipart_Returns415Json(string contentType)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var content = new StringContent(contentType == "application/x-www-form-urlencoded" ? "image=abc" : "{}", System.Text.Encoding.UTF8, contentType);

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);

        await AssertJsonErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\nabc")]
    public async Task PostMatch_BrokenMultipartBody_Returns400BadForm(string body)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);

        await AssertJsonErrorAsync(response, HttpStatusCode.BadRequest, "bad_form");
    }

    private static async Task AssertJsonErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = System.Text.Json.JsonSerializer.Deserialize<ApiError>(text, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.False(string.IsNullOrEmpty(error!.Code), text);
        Assert.False(string.IsNullOrEmpty(error.Message), text);
        if (code is not null)
        {
            Assert.Equal(code, error.Code);
        }
        Assert.DoesNotContain("<html", text, StringComparison.OrdinalIgnoreCase);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task PostMatch_NoFace_ReportsTheRealGalleryCount()
    {
        using var client = await ReadyClientAsync();
        var indexCount = Factory.Services.GetRequiredService<LiveGallery>().Current.Count;
        using var content = Photo(await File.ReadAllBytesAsync(Path.Combine(TestPaths.BugInputs, "b11_no_face_fruits.jpg")));

        using var response = await client.PostAsync(new Uri("/api/match", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<MatchResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body!.Faces);
        Assert.True(indexCount > 0, "the LFW gallery should hold faces");
        Assert.Equal(indexCount, body.GalleryCount);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(10_001)]
    public async Task PostMatch_BadEfSearch_Returns400(int efSearch)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        using var content = Photo([1, 2, 3]);

        using var response = await client.PostAsync(new Uri($"/api/match?efSearch={efSearch}", UriKind.Relative), content);
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_ef_search", error!.Code);
        Assert.Contains(efSearch.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    [InlineData(int.MaxValue)]
    public async Task PostSearch_BadEfSearch_Returns400(int efSearch)
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(Enumerable.Repeat(0.1f, 128).ToArray(), 10, efSearch));
        var error = await response.Content.ReadFromJsonAsync<ApiError>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_ef_search", error!.Code);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task CliImportWhileAppRuns_FacesReachTheLiveIndex()
    {
        using var factory = new LookalikeAppFactory();
        using var client = factory.CreateClient();
        var host = factory.Services.GetRequiredService<LiveGallery>();
        await host.EnsureReadyAsync();
        Assert.Equal(0, host.Current.Count);

        // another process's import (the CLI builds these same services over the data directory)
        using (var cli = GalleryServices.Create(factory.DataDirectory))
        {
            var summary = await cli.GetRequiredService<GalleryImporter>().ImportAsync(Path.Combine(TestPaths.BugInputs, "b01_upright_control.jpg"), ImportFormat.Folder);
            Assert.Equal(1, summary.Imported);
        }

        StatsDto? stats = null;
        for (var waited = 0; waited < 200 && stats?.IndexCount != 1; waited++)
        {
            await Task.Delay(100);
            stats = await client.GetFromJsonAsync<StatsDto>(new Uri("/api/stats", UriKind.Relative));
        }
        Assert.Equal((1, 1), (stats!.Faces, stats.IndexCount));
        using var response = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new SearchRequest(Enumerable.Repeat(0.1f, 128).ToArray(), 1));
        var body = await response.Content.ReadFromJsonAsync<SearchResponse>();
        Assert.Single(body!.Neighbors);
        Assert.Equal(0, factory.Services.GetRequiredService<StoreSync>().SyncWithStore());
    }

    [Fact]
    public async Task Api_MalformedRequests_LogNoErrors()
    {
        var errors = new ErrorLogProvider();
        using var factory = new LookalikeAppFactory();
        using var app = factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(errors)));
        using var client = app.CreateClient();

        using (var bad = new StringContent("{\"embedding\":[1,2", System.Text.Encoding.UTF8, "application/json"))
        using (var r1 = await client.PostAsync(new Uri("/api/search", UriKind.Relative), bad))
        using (var plain = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"))
        using (var r2 = await client.PostAsync(new Uri("/api/search", UriKind.Relative), plain))
        using (var photo = Photo([1, 2, 3]))
        using (var r3 = await client.PostAsync(new Uri("/api/match?k=abc", UriKind.Relative), photo))
        using (var r4 = await client.GetAsync(new Uri("/api/people/abc", UriKind.Relative)))
        {
            Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest, HttpStatusCode.NotFound],
                [r1.StatusCode, r2.StatusCode, r3.StatusCode, r4.StatusCode]);
        }

        Assert.Empty(errors.Errors);
    }

    private sealed class ErrorLogProvider : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Errors { get; } = new();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Collector(ErrorLogProvider owner, string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Error;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Error)
                {
                    owner.Errors.Enqueue($"{category}: {formatter(state, exception)}");
                }
            }
        }
    }
}
