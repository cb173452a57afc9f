using System.Globalization;
using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Index;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Api;

/// <summary>A machine-readable error: a stable code and a message naming the reason.</summary>
public sealed record ApiError(string Code, string Message);

public sealed record BoxDto(float X, float Y, float Width, float Height);

public sealed record PointDto(float X, float Y);

public sealed record MatchDto(long FaceId, long PhotoId, long PersonId, string Person, float Distance, double? StrangerPercentile, string ThumbnailUrl)
{
    /// <summary>The gallery face's stored estimate; null while it has none (the start-up backfill is running).</summary>
    public EstimateDto? Estimate { get; init; }
}

/// <summary>An AgeGenderNet estimate: apparent age in years, P(male) in [0, 1], and the sex it reads as
/// (<c>male</c>, <c>female</c>, or <c>unknown</c> within 0.5 ± 0.15).</summary>
public sealed record EstimateDto(float AgeYears, float MaleProbability, string Sex)
{
    /// <summary>The DTO of an estimate (a non-finite age becomes 0).</summary>
    public static EstimateDto From(Lookalike.Faces.AgeGender.AgeGenderEstimate e) =>
        new(float.IsFinite(e.AgeYears) ? e.AgeYears : 0, e.MaleProbability, e.Sex.ToString().ToLowerInvariant());
}

public sealed record MatchedFaceDto(BoxDto Box, IReadOnlyList<PointDto> Keypoints, float Score, IReadOnlyList<MatchDto> Matches)
{
    /// <summary>This probe face's estimate (from its aligned thumbnail).</summary>
    public EstimateDto? Estimate { get; init; }

    /// <summary>True when the matches were limited to gallery faces of the probe's estimated sex (<c>sameSex=true</c>; off by default for scripts, unlike the home page's toggle) and the probe's sex is not unknown.</summary>
    public bool SameSexFiltered { get; init; }
}

public sealed record TimingsDto(double DecodeMs, double DetectMs, double AlignMs, double EmbedMs, double SearchMs);

/// <summary>Response of <c>POST /api/match</c>: the faces (largest first) each with its nearest gallery faces.</summary>
public sealed record MatchResponse(int Width, int Height, IReadOnlyList<MatchedFaceDto> Faces, TimingsDto Timings, int GalleryCount, string? Message);

/// <summary>Body of <c>POST /api/search</c>: a descriptor of the embedder's dimension, k (1–<see cref="GalleryLimits.MaxK"/>, default 10) and efSearch (0–<see cref="GalleryLimits.MaxEfSearch"/>; 0 = index default).</summary>
public sealed record SearchRequest(float[]? Embedding, int K = 10, int EfSearch = 0);

public sealed record NeighborDto(long Label, float Distance, long PersonId, string Person, long PhotoId);

public sealed record SearchResponse(IReadOnlyList<NeighborDto> Neighbors, int DistanceComputations, int Hops, double SearchMs, int EfSearch);

public sealed record PersonDto(long Id, string Name, IReadOnlyList<PersonFaceDto> Faces);

/// <summary>A stored face of a person. <c>Source</c> is the photo's display name (<c>Person_A/a.jpg</c>, <c>gallery.zip!Person_A/a.jpg</c>):
/// never a server path.</summary>
public sealed record PersonFaceDto(long FaceId, long PhotoId, string Source, string ThumbnailUrl);

public sealed record StatsDto(int People, int Photos, int Imported, int Skipped, int Faces, string? Model, string? ModelSha256,
    string IndexState, string IndexMessage, int IndexCount, int M, int EfConstruction, int EfSearch, IReadOnlyList<int> LayerCounts,
    long IndexMemoryBytes, bool LoadedFromFile, double BuildSeconds, int Loads, int Rebuilds,
    string? DamagedIndexFile, int SkippedDescriptors, IReadOnlyList<string> Warnings)
{
    /// <summary>The running descriptor model's choice (<c>Lookalike:Faces:Model</c>: dlib, mobilefacenet or fused); <see cref="Model"/> is what the stored descriptors were made with.</summary>
    public string? ActiveModel { get; init; }

    /// <summary>The running descriptor model's identity name (network with the settings that change descriptors).</summary>
    public string? ActiveModelName { get; init; }

    /// <summary>Length of the running model's descriptors in floats (128 dlib, 192 mobilefacenet, 320 fused).</summary>
    public int ActiveDimension { get; init; }
}

/// <summary>The HTTP API: matching photos, searching descriptors, people, thumbnails and statistics.</summary>
public static class ApiEndpoints
{
    /// <summary>Maps <c>/api/*</c> and <c>/healthz</c>.</summary>
    public static IEndpointRouteBuilder MapLookalikeApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var bounds = string.Create(CultureInfo.InvariantCulture, $"k 1–{GalleryLimits.MaxK}, efSearch 0–{GalleryLimits.MaxEfSearch:N0} (0 = index default)");
        var api = app.MapGroup("/api").WithTags("Lookalike");
        api.MapPost("/match", MatchAsync).DisableAntiforgery().RequireRateLimiting(Security.LookalikeRateLimits.MatchPolicy).Accepts<IFormFile>("multipart/form-data")
            .WithSummary($"Finds the faces of a photo and each face's nearest gallery faces ({bounds}). Nothing is stored.");
        api.MapPost("/search", Search).RequireRateLimiting(Security.LookalikeRateLimits.MatchPolicy).WithSummary($"Nearest gallery faces of a descriptor of the embedder's dimension (the index service's role). {bounds}.");
        api.MapGet("/people/{id:long}", GetPerson).WithSummary("A gallery person with all stored faces.");
        api.MapGet("/faces/{id:long}/thumbnail", GetThumbnail).WithSummary("The 112×112 JPEG thumbnail of a gallery face.");
        api.MapGet("/stats", GetStats).WithSummary("Gallery and index statistics.");
        app.MapGet("/healthz", (IndexStatusBoard status) => Results.Ok(new { status = "ok", index = status.Current.State.ToString() }));
        return app;
    }

    private static string ThumbnailUrl(long faceId) => $"/api/faces/{faceId}/thumbnail";

    private static async Task<IResult> MatchAsync(HttpRequest request, MatchService matcher, IOptions<LookalikeOptions> options, int? k, int? efSearch, bool? sameSex, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxUploadBytes;
        var kk = k ?? 10;
        if (kk is < 1 or > GalleryLimits.MaxK)
        {
            return Results.BadRequest(new ApiError("bad_k", $"k must be between 1 and {GalleryLimits.MaxK}, got {kk}"));
        }
        if (BadEfSearch(efSearch ?? 0) is { } badEf)
        {
            return badEf;
        }
        if (request.ContentLength > max + 64 * 1024)
        {
            return TooLarge(max);
        }
        if (!request.HasFormContentType)
        {
            return Results.Json(new ApiError("unsupported_media_type", "send the photo as multipart/form-data (field 'image')"), statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        var (form, badForm) = await ReadFormAsync(request, cancellationToken).ConfigureAwait(false);
        if (badForm is not null)
        {
            return badForm;
        }
        var file = form!.Files.GetFile("image") ?? form.Files.FirstOrDefault();
        if (file is null)
        {
            return Results.BadRequest(new ApiError("missing_file", "no file in the form (field 'image')"));
        }
        if (file.Length > max)
        {
            return TooLarge(max);
        }
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        FaceAnalysis analysis;
        try
        {
            analysis = matcher.Analyze(bytes);
        }
        catch (ImageRejectedException ex)
        {
            return Rejected(ex, file.FileName);
        }
        var faces = new List<MatchedFaceDto>(analysis.Faces.Count);
        double searchMs = 0;
        var galleryCount = matcher.GalleryCount; // also when no face was found
        foreach (var face in analysis.Faces)
        {
            var probe = matcher.EstimateAgeSex(face);
            var filter = sameSex ?? false ? probe.Sex : Lookalike.Faces.AgeGender.EstimatedSex.Unknown;
            var (outcome, estimates) = matcher.SearchSameSex(face.Descriptor, kk, efSearch ?? 0, filter);
            searchMs += outcome.SearchMs;
            galleryCount = outcome.GalleryCount;
            var d = face.Detection;
            faces.Add(new MatchedFaceDto(
                new BoxDto(d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height),
                d.Keypoints.Select(p => new PointDto(p.X, p.Y)).ToList(),
                d.Score,
                outcome.Matches.Select(m => new MatchDto(m.FaceId, m.PhotoId, m.PersonId, m.Person, m.Distance, m.StrangerPercentile, ThumbnailUrl(m.FaceId))
                {
                    Estimate = estimates.TryGetValue(m.FaceId, out var e) ? EstimateDto.From(e) : null,
                }).ToList())
            {
                Estimate = EstimateDto.From(probe),
                SameSexFiltered = filter != Lookalike.Faces.AgeGender.EstimatedSex.Unknown,
            });
        }
        var message = analysis.Faces.Count == 0 ? "No face detected"
            : galleryCount == 0 ? "The celebrity gallery is empty — import a gallery first"
            : null;
        var t = analysis.Timings;
        return Results.Ok(new MatchResponse(analysis.Image.Width, analysis.Image.Height, faces, new TimingsDto(t.DecodeMs, t.DetectMs, t.AlignMs, t.EmbedMs, searchMs), galleryCount, message));
    }

    /// <summary>efSearch must be 0 (the index default) to <see cref="GalleryLimits.MaxEfSearch"/>; null when it is.</summary>
    /// <summary>
    /// Reads a multipart form; a malformed one (no boundary, a part without its headers, a body that ends before the
    /// closing boundary) is answered 400 <c>bad_form</c> instead of failing the request with a 500.
    /// </summary>
    internal static async Task<(IFormCollection? Form, IResult? Error)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await request.ReadFormAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (InvalidDataException ex)
        {
            return (null, Results.BadRequest(new ApiError("bad_form", ex.Message)));
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, Results.BadRequest(new ApiError("bad_form", "the multipart form ends before its closing boundary (an incomplete or malformed upload)")));
        }
    }

    private static IResult? BadEfSearch(int efSearch) => efSearch is < 0 or > GalleryLimits.MaxEfSearch
        ? Results.BadRequest(new ApiError("bad_ef_search", $"efSearch must be between 0 (0 = index default) and {GalleryLimits.MaxEfSearch}, got {efSearch}"))
        : null;

    private static JsonHttpResult<ApiError> TooLarge(long max) =>
        TypedResults.Json(new ApiError("file_too_large", $"file is larger than {max / (1024 * 1024)} MB"), statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>Maps a rejected image to 400, 413 or 415; code and words come from <see cref="ImageRejectionText"/>.</summary>
    public static IResult Rejected(ImageRejectedException ex, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var status = ex.Reason switch
        {
            ImageRejectReason.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            ImageRejectReason.FileTooLarge => StatusCodes.Status413PayloadTooLarge,
            _ => StatusCodes.Status400BadRequest,
        };
        return Results.Json(new ApiError(ImageRejectionText.Code(ex.Reason), ImageRejectionText.ApiMessage(ex, fileName)), statusCode: status);
    }

    private static IResult Search(SearchRequest? body, MatchService matcher)
    {
        if (body?.Embedding is null)
        {
            return Results.BadRequest(new ApiError("missing_embedding", string.Create(CultureInfo.InvariantCulture, $"the body needs 'embedding': an array of {matcher.Dimension} numbers")));
        }
        if (body.K is < 1 or > GalleryLimits.MaxK)
        {
            return Results.BadRequest(new ApiError("bad_k", $"k must be between 1 and {GalleryLimits.MaxK}, got {body.K}"));
        }
        if (BadEfSearch(body.EfSearch) is { } badEf)
        {
            return badEf;
        }
        SearchOutcome outcome;
        try
        {
            outcome = matcher.Search(body.Embedding, body.K, body.EfSearch, measureRecall: false);
        }
        catch (ArgumentException ex)
        {
            // the index's own check (VectorGuard) refused the descriptor: the caller's input, not a server fault
            return Results.BadRequest(new ApiError(EmbeddingErrorCode(body.Embedding, matcher), ex.Message.Split(" (Parameter", 2)[0]));
        }
        return Results.Ok(new SearchResponse(
            outcome.Matches.Select(m => new NeighborDto(m.FaceId, m.Distance, m.PersonId, m.Person, m.PhotoId)).ToList(),
            outcome.Stats.DistanceComputations, outcome.Stats.Hops, outcome.SearchMs, outcome.EfSearchUsed));
    }

    /// <summary>The code of a refused descriptor (<see cref="MatchService.Check"/>, the index's own test):
    /// <c>wrong_dimension</c>, <c>non_finite</c>, <c>zero_vector</c> (zero or too small to normalise) or <c>bad_embedding</c>.</summary>
    private static string EmbeddingErrorCode(float[] embedding, MatchService matcher) =>
        matcher.Check(embedding) switch
        {
            VectorProblem.WrongDimension => "wrong_dimension",
            VectorProblem.NonFinite => "non_finite",
            VectorProblem.CannotNormalise => "zero_vector",
            _ => "bad_embedding",
        };

    private static IResult GetPerson(long id, IGalleryStore store)
    {
        var person = store.GetPerson(id);
        return person is null
            ? Results.NotFound(new ApiError("not_found", $"no person with id {id}"))
            : Results.Ok(new PersonDto(person.Id, person.Name, person.Faces.Select(f => new PersonFaceDto(f.FaceId, f.PhotoId, ImportSources.DisplayName(f.SourcePath), ThumbnailUrl(f.FaceId))).ToList()));
    }

    private static IResult GetThumbnail(long id, IGalleryStore store, HttpContext context)
    {
        var bytes = store.GetThumbnail(id);
        if (bytes is null)
        {
            return Results.NotFound(new ApiError("not_found", $"no face with id {id}"));
        }
        context.Response.Headers.CacheControl = "public, max-age=86400";
        return Results.File(bytes, "image/jpeg");
    }

    private static IResult GetStats(IGalleryStore store, LiveGallery gallery, IDescriptorModel model) => Results.Ok(BuildStats(store, gallery, model));

    /// <summary>Store and index statistics and the running descriptor model (also used by the <c>stats</c> verb).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static StatsDto BuildStats(IGalleryStore store, LiveGallery gallery, IDescriptorModel model)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(model);
        var s = store.GetStats();
        var snapshot = gallery.Current;
        var status = gallery.Status;
        return new StatsDto(s.People, s.Photos, s.Imported, s.Skipped, s.Faces, s.ModelName, s.ModelHash,
            status.State.ToString(), status.Message, snapshot.Count, snapshot.Parameters.M, snapshot.Parameters.EfConstruction, snapshot.Parameters.DefaultEfSearch,
            snapshot.GetLayerCounts(), snapshot.MemoryBytes, snapshot.LoadedFromFile, snapshot.BuildTime.TotalSeconds, status.Loads, status.Rebuilds,
            status.DamagedFileMessage, status.SkippedDescriptors, status.Warnings)
        {
            ActiveModel = model.Choice,
            ActiveModelName = model.Identity.Name,
            ActiveDimension = model.Dimension,
        };
    }
}
