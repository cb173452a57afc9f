using System.Text.Json.Serialization;
using Lookalike.Gallery;
using Lookalike.Gallery.Curation;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Web.Security;
using Lookalike.Web.Services;

namespace Lookalike.Web.Api;

/// <summary>Body of <c>POST /api/admin/import</c>: a server folder or archive (.zip, .tgz, .tar.gz, .tar) under <c>Lookalike:ImportRoots</c> and its layout
/// (<c>"Auto"</c>, <c>"Folder"</c>, … by name).</summary>
public sealed record ImportRequest(string? Path, [property: JsonConverter(typeof(JsonStringEnumConverter<ImportFormat>))] ImportFormat Format = ImportFormat.Auto);

/// <summary>State of the import job: running, its progress, the last summary (skip reasons by display name, never server paths) or its error.</summary>
public sealed record ImportStatusDto(bool Running, ImportProgress? Progress, ImportSummaryDto? LastSummary, string? Error);

/// <summary>An import's outcome as the API reports it (elapsed in seconds).</summary>
public sealed record ImportSummaryDto(int Total, int Imported, int Skipped, int AlreadyStored, int FacesFound, double ElapsedSeconds, bool Cancelled, IReadOnlyList<SkippedFileDto> SkippedFiles);

/// <summary>A file an import skipped: its display name (<c>Person_A/a.jpg</c>) and why.</summary>
public sealed record SkippedFileDto(string Source, string Reason);

/// <summary>Body of <c>PUT /api/admin/index/ef-search</c>: the stored default efSearch (1–<see cref="GalleryLimits.MaxDefaultEfSearch"/>).</summary>
public sealed record EfSearchRequest(int EfSearch);

/// <summary>Body of <c>POST /api/admin/index/rebuild</c>: M, efConstruction and the default efSearch (see <see cref="GalleryIndexParameters.Validate"/>).</summary>
public sealed record RebuildRequest(int M, int EfConstruction, int EfSearch);

/// <summary>Body of <c>POST /api/admin/people/{id}/rename</c>: the new name (trimmed; 1–<see cref="GalleryLimits.MaxPersonNameLength"/> characters).</summary>
public sealed record RenameRequest(string? Name);

/// <summary>A curation done: its code (<c>renamed</c>, <c>merged</c>, <c>person_deleted</c>, <c>face_deleted</c>), a
/// sentence, the person that remains (null after a person was deleted) and how many faces moved or left.</summary>
public sealed record CurationDto(string Code, string Message, long? PersonId, string? Name, int Faces);

/// <summary>
/// <c>/api/admin/*</c>: what an admin script may change — import a server folder or an uploaded archive (.zip, .tgz, .tar.gz, .tar), add one photo,
/// set the default efSearch, rebuild the index, browse and curate the people (rename, merge, delete a person or a
/// face; <see cref="GalleryCuration"/>). Every endpoint needs an admin API key
/// (<see cref="AdminAuthentication.AdminApiPolicy"/>; <c>Authorization: Bearer lk_…</c>): without one the answer is
/// 401 JSON, a cookie does not count (so no cross-site request can use a signed-in browser).
/// </summary>
public static class AdminEndpoints
{
    private const long MaxArchiveUploadBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Maps <c>/api/admin/*</c>.</summary>
    public static IEndpointRouteBuilder MapLookalikeAdminApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var admin = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(AdminAuthentication.AdminApiPolicy).DisableAntiforgery();
        admin.MapGet("/import", (ImportJobs jobs) => Status(jobs)).WithSummary("The import job's state.");
        admin.MapPost("/import", StartImport).WithSummary("Imports a server folder or archive (.zip, .tgz, .tar.gz, .tar) under Lookalike:ImportRoots in the background (202; 409 while another import runs).");
        admin.MapPost("/import/archive", UploadArchiveAsync).Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Imports an uploaded .zip, .tgz, .tar.gz or .tar (field 'archive', up to 2 GiB) in the background (202; 409 while another import runs).");
        admin.MapPost("/photos", AddPhotoAsync).Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Adds one photo (field 'image') as the person in field 'person'; 201 when stored, 400 with the reason when not.");
        admin.MapPut("/index/ef-search", SetEfSearch).WithSummary("Sets and stores the default efSearch (no rebuild).");
        admin.MapGet("/people", FindPeople).WithSummary("People whose name contains q (case-insensitive), ordered by name: offset (≥ 0) and limit (1–100, default 20); with the total.");
        admin.MapPost("/people/{id:long}/rename", (long id, RenameRequest request, GalleryCuration curation) => Curated(curation.Rename(id, request.Name)))
            .WithSummary("Renames a person (200; 400 empty_name, name_too_long or bad_name; 404 person_not_found; 409 name_taken).");
        admin.MapPost("/people/{id:long}/merge-into/{other:long}", (long id, long other, GalleryCuration curation) => Curated(curation.Merge(id, other)))
            .WithSummary("Moves every face and photo of person id to person other and deletes id (200; 400 merge_into_self; 404 person_not_found).");
        admin.MapDelete("/people/{id:long}", (long id, GalleryCuration curation) => Curated(curation.DeletePerson(id)))
            .WithSummary("Deletes a person and their faces from the store and the live index; their photos stay recorded as skipped (200; 404 person_not_found).");
        admin.MapDelete("/faces/{id:long}", (long id, GalleryCuration curation) => Curated(curation.DeleteFace(id)))
            .WithSummary("Deletes one face (and its photo) from the store and the live index (200; 404 face_not_found).");
        admin.MapPost("/index/rebuild", Rebuild).WithSummary("Rebuilds the index with M, efConstruction and efSearch in the background and stores them (202; 409 while a rebuild runs).");
        return app;
    }

    private static ImportStatusDto Status(ImportJobs jobs) => new(
        jobs.IsRunning,
        jobs.Progress,
        jobs.LastSummary is { } s
            ? new ImportSummaryDto(s.Total, s.Imported, s.Skipped, s.AlreadyStored, s.FacesFound, s.Elapsed.TotalSeconds, s.Cancelled,
                [.. s.SkippedFiles.Take(200).Select(f => new SkippedFileDto(ImportSources.DisplayName(f.SourcePath), f.Reason))])
            : null,
        jobs.Error);

    private static IResult StartImport(ImportRequest request, ImportJobs jobs, ImportRoots roots)
    {
        if (string.IsNullOrWhiteSpace(request.Path))
        {
            return Results.BadRequest(new ApiError("no_path", "field 'path' (a server folder or archive under Lookalike:ImportRoots) is empty"));
        }
        string path;
        try
        {
            path = roots.Authorize(request.Path?.Trim() ?? "");
        }
        catch (ImportRootException ex)
        {
            return Results.Json(new ApiError("outside_import_roots", ex.Message), statusCode: StatusCodes.Status403Forbidden);
        }
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            return Results.NotFound(new ApiError("not_found", "no such folder or archive under the import roots"));
        }
        return jobs.TryStart(path, request.Format, roots: roots)
            ? Results.Accepted("/api/admin/import", Status(jobs))
            : Results.Conflict(new ApiError("import_running", "another import is running"));
    }

    private static async Task<IResult> UploadArchiveAsync(HttpRequest request, ImportJobs jobs, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Results.Json(new ApiError("unsupported_media_type", "send the archive as multipart/form-data (field 'archive')"), statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        if (request.ContentLength > MaxArchiveUploadBytes)
        {
            return Results.Json(new ApiError("payload_too_large", "the archive is larger than 2 GiB"), statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var (form, badForm) = await ApiEndpoints.ReadFormAsync(request, cancellationToken).ConfigureAwait(false);
        if (badForm is not null)
        {
            return badForm;
        }
        var file = form!.Files.GetFile("archive") ?? form.Files.FirstOrDefault();
        if (file is null || file.Length == 0)
        {
            return Results.BadRequest(new ApiError("no_file", "no archive in the form (field 'archive')"));
        }
        UploadedArchive archive;
        await using (var source = file.OpenReadStream())
        {
            archive = await UploadedArchive.SaveAsync(source, file.FileName, cancellationToken).ConfigureAwait(false);
        }
        if (!jobs.TryStart(archive.Path, ImportFormat.Auto, archive.Delete))
        {
            archive.Delete();
            return Results.Conflict(new ApiError("import_running", "another import is running"));
        }
        return Results.Accepted("/api/admin/import", Status(jobs));
    }

    private static async Task<IResult> AddPhotoAsync(HttpRequest request, GalleryImporter importer, Microsoft.Extensions.Options.IOptions<LookalikeOptions> options, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Results.Json(new ApiError("unsupported_media_type", "send multipart/form-data with fields 'person' and 'image'"), statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        var (form, badForm) = await ApiEndpoints.ReadFormAsync(request, cancellationToken).ConfigureAwait(false);
        if (badForm is not null)
        {
            return badForm;
        }
        var person = form!["person"].ToString().Trim();
        var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
        if (person.Length == 0)
        {
            return Results.BadRequest(new ApiError("no_person", "field 'person' (the person's name) is empty"));
        }
        if (file is null || file.Length == 0)
        {
            return Results.BadRequest(new ApiError("no_file", "no photo in the form (field 'image')"));
        }
        if (file.Length > options.Value.MaxUploadBytes)
        {
            return Results.Json(new ApiError("payload_too_large", $"the photo is larger than {options.Value.MaxUploadBytes / (1024 * 1024)} MB"), statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var summary = await importer.AddPhotoAsync(buffer.ToArray(), person, Path.GetFileName(file.FileName), cancellationToken).ConfigureAwait(false);
        return summary.Imported == 1
            ? Results.Created((string?)null, new { person, faces = summary.FacesFound })
            : Results.BadRequest(new ApiError("not_added", summary.SkippedFiles.FirstOrDefault()?.Reason ?? "already stored"));
    }

    private static IResult FindPeople(IGalleryStore store, string? q, int offset = 0, int limit = 20)
    {
        if (offset < 0)
        {
            return Results.BadRequest(new ApiError("bad_offset", $"offset must be 0 or more, got {offset}"));
        }
        if (limit is < 1 or > GalleryLimits.MaxPeoplePageSize)
        {
            return Results.BadRequest(new ApiError("bad_limit", $"limit must be between 1 and {GalleryLimits.MaxPeoplePageSize}, got {limit}"));
        }
        var page = store.FindPeople(q, offset, limit);
        return Results.Ok(new { total = page.Total, offset, people = page.People });
    }

    /// <summary>A curation's outcome as HTTP: 200 with <see cref="CurationDto"/>, or 400/404/409 with its code.</summary>
    private static IResult Curated(CurationResult result) => result.Status switch
    {
        CurationStatus.Done => Results.Ok(new CurationDto(result.Code, result.Message, result.PersonId, result.Name, result.Faces)),
        CurationStatus.NotFound => Results.NotFound(new ApiError(result.Code, result.Message)),
        CurationStatus.Conflict => Results.Conflict(new ApiError(result.Code, result.Message)),
        _ => Results.BadRequest(new ApiError(result.Code, result.Message)),
    };

    private static IResult SetEfSearch(EfSearchRequest request, LiveGallery index)
    {
        if (request.EfSearch is < 1 or > GalleryLimits.MaxDefaultEfSearch)
        {
            return Results.BadRequest(new ApiError("bad_ef_search", $"efSearch must be between 1 and {GalleryLimits.MaxDefaultEfSearch}, got {request.EfSearch}"));
        }
        index.SetDefaultEfSearch(request.EfSearch);
        return Results.Ok(new { efSearch = request.EfSearch });
    }

    private static IResult Rebuild(RebuildRequest request, LiveGallery index, ILoggerFactory loggers)
    {
        var parameters = GalleryIndexParameters.Create(request.M, request.EfConstruction, request.EfSearch);
        var errors = GalleryIndexParameters.Validate(parameters);
        if (errors.Count > 0)
        {
            return Results.BadRequest(new ApiError("bad_parameters", string.Join(" ", errors.Values)));
        }
        if (index.Status.State == IndexState.Rebuilding)
        {
            return Results.Conflict(new ApiError("rebuild_running", "a rebuild is running"));
        }
        var logger = loggers.CreateLogger("Lookalike.Web.Api.AdminEndpoints");
        _ = Task.Run(async () =>
        {
            try
            {
                await index.RebuildAsync(parameters, persistParameters: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
            {
                logger.LogWarning(ex, "Rebuild with {Parameters} failed", GalleryIndexParameters.Describe(parameters));
            }
        });
        return Results.Accepted("/api/stats", new { m = request.M, efConstruction = request.EfConstruction, efSearch = request.EfSearch });
    }
}
