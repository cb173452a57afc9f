using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Lookalike.Web.Components.Pages.GalleryAdmin;

public sealed partial class GalleryPage
{
    private const long MaxZipBytes = 2L * 1024 * 1024 * 1024;
    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;
    private string? _path;
    private ImportFormat _format = ImportFormat.Auto;
    private string? _person;
    private string? _message;
    private GalleryStats _stats = new(0, 0, 0, 0, 0, null, null, [], 0);
    private IReadOnlyList<SkippedFile> _skipped = [];
    private DateTime _lastRefresh;

    [Inject] private ImportJobs Jobs { get; set; } = default!;

    [Inject] private ImportRoots Roots { get; set; } = default!;

    [Inject] private IGalleryStore Store { get; set; } = default!;

    [Inject] private IDescriptorModel DescriptorModel { get; set; } = default!;

    [Inject] private IGalleryIndex Index { get; set; } = default!;

    private IDisposable? _indexSubscription;

    [Inject] private GalleryImporter Importer { get; set; } = default!;

    protected override void OnInitialized()
    {
        Jobs.Changed += OnChanged;
        _indexSubscription = Index.NotifyOnChange(OnChanged);
        Refresh();
    }

    private void Refresh()
    {
        _stats = Store.GetStats();
        _skipped = Store.GetSkipped(100);
        _lastRefresh = DateTime.UtcNow;
    }

    private void OnChanged() => _ = InvokeAsync(() =>
    {
        if (!Jobs.IsRunning || DateTime.UtcNow - _lastRefresh > TimeSpan.FromSeconds(2))
        {
            Refresh();
        }
        StateHasChanged();
    });

    private void StartFolder()
    {
        _message = null;
        string path;
        try
        {
            // checked before anything else, so a refused path does not even tell whether it exists
            path = Roots.Authorize(_path?.Trim() ?? "");
        }
        catch (ImportRootException ex)
        {
            _message = ex.Message;
            return;
        }
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            _message = "No such folder or archive under the import roots.";
            return;
        }
        if (!Jobs.TryStart(path, _format, roots: Roots))
        {
            _message = "Another import is running.";
        }
    }

    private async Task OnZipAsync(InputFileChangeEventArgs e)
    {
        _message = null;
        if (e.File.Size > MaxZipBytes)
        {
            _message = $"The archive is larger than {MaxZipBytes / (1024 * 1024)} MB.";
            return;
        }
        // A gallery archive is import input, not a probe photo: it is kept in a temporary file until the import ends.
        UploadedArchive archive;
        await using (var source = e.File.OpenReadStream(MaxZipBytes))
        {
            archive = await UploadedArchive.SaveAsync(source, e.File.Name);
        }
        if (!Jobs.TryStart(archive.Path, _format, archive.Delete))
        {
            archive.Delete();
            _message = "Another import is running.";
        }
    }

    private async Task OnSinglePhotoAsync(InputFileChangeEventArgs e)
    {
        _message = null;
        if (e.File.Size > 20L * 1024 * 1024)
        {
            _message = "The photo is larger than 20 MB.";
            return;
        }
        using var buffer = new MemoryStream();
        await using (var source = e.File.OpenReadStream(20L * 1024 * 1024))
        {
            await source.CopyToAsync(buffer);
        }
        var summary = await Importer.AddPhotoAsync(buffer.ToArray(), _person!, e.File.Name);
        _message = summary.Imported == 1 ? $"Added {e.File.Name} as {_person}." : $"Not added: {summary.SkippedFiles.FirstOrDefault()?.Reason ?? "already stored"}.";
        Refresh();
    }

    public void Dispose()
    {
        Jobs.Changed -= OnChanged;
        _indexSubscription?.Dispose();
    }
}
