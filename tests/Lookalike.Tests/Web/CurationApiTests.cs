using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Web.Api;
using Lookalike.Web.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Web;

/// <summary><c>/api/admin/people</c> and <c>/api/admin/faces</c> with an admin API key over a copy of the LFW slice: the
/// change shows in <c>/api/match</c> at once; bad input gets 400/404/409 with its code.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class CurationApiTests(LfwGalleryFixture gallery)
{
    private static async Task<HttpClient> AdminClientAsync(LookalikeAppFactory factory)
    {
        await factory.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
        var (key, _) = factory.Services.GetRequiredService<AdminCredentials>().CreateApiKey("curation test");
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<MatchResponse> MatchAsync(HttpClient client, string path)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "image", Path.GetFileName(path));
        using var response = await client.PostAsync(new Uri("/api/match?k=50", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<MatchResponse>())!;
    }

    private static async Task<(HttpStatusCode Status, string? Code)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, json.TryGetProperty("code", out var code) ? code.GetString() : null);
    }

    [SharedDataFact("data/lfw")]
    public async Task RenameThenDelete_MatchShowsTheNewName_ThenNeverThePerson()
    {
        using var data = gallery.CopyDataDirectory();
        using var factory = new LookalikeAppFactory(data.Path);
        using var client = await AdminClientAsync(factory);
        var probe = gallery.HeldBack[0];
        var people = await client.GetFromJsonAsync<JsonElement>($"/api/admin/people?q={Uri.EscapeDataString(probe.Person)}");
        Assert.Equal(1, people.GetProperty("total").GetInt32());
        var id = people.GetProperty("people")[0].GetProperty("id").GetInt64();

        using var renamed = await client.PostAsJsonAsync($"/api/admin/people/{id}/rename", new { name = "Api Renamed" });
        var done = await renamed.Content.ReadFromJsonAsync<CurationDto>();

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(("renamed", id, "Api Renamed"), (done!.Code, done.PersonId, done.Name));
        var first = (await MatchAsync(client, probe.Path)).Faces[0].Matches[0];
        Assert.Equal((id, "Api Renamed"), (first.PersonId, first.Person));
        Assert.Equal("Api Renamed", (await client.GetFromJsonAsync<PersonDto>($"/api/people/{id}"))!.Name);

        using var deleted = await client.DeleteAsync(new Uri($"/api/admin/people/{id}", UriKind.Relative));
        var gone = await deleted.Content.ReadFromJsonAsync<CurationDto>();

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("person_deleted", gone!.Code);
        Assert.True(gone.Faces > 0);
        Assert.DoesNotContain((await MatchAsync(client, probe.Path)).Faces[0].Matches, m => m.PersonId == id);
        using var person = await client.GetAsync(new Uri($"/api/people/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, person.StatusCode);
    }

    [SharedDataFact("data/lfw")]
    public async Task BadInput_400_404_409WithCodes()
    {
        using var data = gallery.CopyDataDirectory();
        using var factory = new LookalikeAppFactory(data.Path);
        using var client = await AdminClientAsync(factory);
        var store = factory.Services.GetRequiredService<IGalleryStore>();
        var people = store.FindPeople(null, 0, 2).People;
        var (a, b) = (people[0], people[1]);

        Assert.Equal((HttpStatusCode.BadRequest, "empty_name"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/rename", new { name = "  " }));
        Assert.Equal((HttpStatusCode.BadRequest, "empty_name"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/rename", new { }));
        Assert.Equal((HttpStatusCode.BadRequest, "name_too_long"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/rename", new { name = new string('n', GalleryLimits.MaxPersonNameLength + 1) }));
        Assert.Equal((HttpStatusCode.Conflict, "name_taken"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/rename", new { name = b.Name }));
        Assert.Equal((HttpStatusCode.NotFound, "person_not_found"), await SendAsync(client, HttpMethod.Post, "/api/admin/people/987654/rename", new { name = "Nobody" }));
        Assert.Equal((HttpStatusCode.BadRequest, "merge_into_self"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/merge-into/{a.Id}"));
        Assert.Equal((HttpStatusCode.NotFound, "person_not_found"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/merge-into/987654"));
        Assert.Equal((HttpStatusCode.NotFound, "person_not_found"), await SendAsync(client, HttpMethod.Delete, "/api/admin/people/987654"));
        Assert.Equal((HttpStatusCode.NotFound, "face_not_found"), await SendAsync(client, HttpMethod.Delete, "/api/admin/faces/987654"));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), await SendAsync(client, HttpMethod.Delete, "/api/admin/faces/abc"));
        Assert.Equal((HttpStatusCode.BadRequest, "bad_limit"), await SendAsync(client, HttpMethod.Get, "/api/admin/people?limit=0"));

        Assert.Equal((a.Name, b.Name), (store.GetPerson(a.Id)!.Name, store.GetPerson(b.Id)!.Name));

        // and the happy paths of the other two
        var face = store.GetPerson(a.Id)!.Faces[0].FaceId;
        Assert.Equal((HttpStatusCode.OK, "face_deleted"), await SendAsync(client, HttpMethod.Delete, $"/api/admin/faces/{face}"));
        Assert.False(factory.Services.GetRequiredService<LiveGallery>().Current.Faces.ContainsKey(face));
        Assert.Equal((HttpStatusCode.OK, "merged"), await SendAsync(client, HttpMethod.Post, $"/api/admin/people/{a.Id}/merge-into/{b.Id}"));
        Assert.Null(store.GetPerson(a.Id));
    }
}
