using System.Text.Json.Serialization;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Web.Security;
using Lookalike.Web.Services;

namespace Lookalike.Web.Api;

/// <summary>Body of <c>POST /api/admin/import</c>: a server folder or .zip under <c>Lookalike:ImportRoots</c> and its layout
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

/// <summary>
/// <c>/api/admin/*</c>: what an admin script may change — import a server folder or an uploaded .zip, add one photo,
/// set the default efSearch, rebuild the index. Every endpoint needs an admin API key
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
        admin.MapPost("/import", StartImport).WithSummary("Imports a server folder or .zip under Lookalike:ImportRoots in the background (202; 409 while another import runs).");
        admin.MapPost("/import/archive", UploadArchiveAsync).Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Imports an uploaded .zip (field 'archive', up to 2 GiB) in the background (202; 409 while another import runs).");
        admin.MapPost("/photos", AddPhotoAsync).Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Adds one photo (field 'image') as the person in field 'person'; 201 when stored, 400 with the reason when not.");
        admin.MapPut("/index/ef-search", SetEfSearch).WithSummary("Sets and stores the default efSearch (no rebuild).");
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
            return Results.BadRequest(new ApiError("no_path", "field 'path' (a server folder or .zip under Lookalike:ImportRoots) is empty"));
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
            return Results.NotFound(new ApiError("not_found", "no such folder or .zip under the import roots"));
        }
        return jobs.TryStart(path, request.Format, roots: roots)
            ? Results.Accepted("/api/admin/import", Status(jobs))
            : Results.Conflict(new ApiError("import_running", "another import is running"));
    }

    private static async Task<IResult> UploadArchiveAsync(HttpRequest request, ImportJobs jobs, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Results.Json(new ApiError("unsupported_media_type", "send the .zip as multipart/form-data (field 'archive')"), statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        if (request.ContentLength > MaxArchiveUploadBytes)
        {
            return Results.Json(new ApiError("payload_too_large", "the .zip is larger than 2 GiB"), statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var file = form.Files.GetFile("archive") ?? form.Files.FirstOrDefault();
        if (file is null || file.Length == 0)
        {
            return Results.BadRequest(new ApiError("no_file", "no .zip in the form (field 'archive')"));
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
        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var person = form["person"].ToString().Trim();
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
