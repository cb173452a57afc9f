using Lookalike.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;

namespace Lookalike.Web.Components.Pages.Home;

public sealed partial class Home
{
    /// <summary>What the picker offers: the formats the server decodes (HEIC is refused with a message).</summary>
    private const string Accept = "image/jpeg,image/png,image/webp,image/bmp,image/gif,.jpg,.jpeg,.png,.webp,.bmp,.gif";

    private ElementReference _dropZone;
    private IJSObjectReference? _uploadModule;
    private IJSObjectReference? _dropHandle;
    private IDisposable? _subscription;
    private IJSObjectReference? _module;
    private IJSObjectReference? _pasteHandle;
    private DotNetObjectReference<Home>? _self;
    private bool _interactive;
    private bool _reveal;

    /// <summary>The selected face's aligned chip (data URL), for the headline.</summary>
    private string? SelectedChip => Session.SelectedFace >= 0 && Session.SelectedFace < Session.Faces.Count ? Session.Faces[Session.SelectedFace].ChipDataUrl : null;

    [Inject] private LookalikeSession Session { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Inject] private Lookalike.Gallery.Index.IGalleryIndex Index { get; set; } = default!;

    private IDisposable? _indexSubscription;

    protected override void OnInitialized()
    {
        _subscription = Session.NotifyOnChange(() => _ = InvokeAsync(StateHasChanged));
        _indexSubscription = Index.NotifyOnChange(OnIndexChanged);
    }

    private void OnIndexChanged() => _ = InvokeAsync(StateHasChanged);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/webcam.js");
            _pasteHandle = await _module.InvokeAsync<IJSObjectReference>("registerPaste", _self, Lookalike.Gallery.GalleryLimits.MaxDirectPhotoBytes);
            _uploadModule = await JS.InvokeAsync<IJSObjectReference>("import", "./js/upload.js");
            _dropHandle = await _uploadModule.InvokeAsync<IJSObjectReference>("attach", _dropZone, _self, Lookalike.Gallery.GalleryLimits.MaxDirectPhotoBytes);
            _interactive = true;
            StateHasChanged();
        }
        else if (_reveal && _dropHandle is not null && Session.People.Count > 0)
        {
            // After an upload (not live frames) bring the results into view: on a phone they sit below the photo.
            _reveal = false;
            try
            {
                await _dropHandle.InvokeVoidAsync("reveal", "#results");
            }
            catch (JSDisconnectedException)
            {
                // circuit gone
            }
        }
    }

    private async Task OnFileAsync(InputFileChangeEventArgs e)
    {
        var file = e.File;
        // The size is checked from the browser's report before any byte is transferred.
        if (Session.CheckSize(file.Size) && Session.AdmitUpload())
        {
            await using var stream = file.OpenReadStream(maxAllowedSize: Session.MaxUploadBytes);
            _reveal = true;
            await Session.AnalyzeAsync(stream, file.Size);
        }
        // Emptying the input lets the same file be chosen again and run again.
        if (_dropHandle is not null)
        {
            try
            {
                await _dropHandle.InvokeVoidAsync("reset");
            }
            catch (JSDisconnectedException)
            {
                // circuit gone
            }
        }
    }

    /// <summary>Sends the result card PNG to the browser as a download (made in memory, never stored).</summary>
    private async Task DownloadAsync(Lookalike.Gallery.Matching.PersonMatch best)
    {
        var png = Session.ResultCardPng();
        if (png is null || _uploadModule is null)
        {
            return;
        }
        var name = "lookalike-" + new string(best.Person.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()) + ".png";
        using var stream = new MemoryStream(png);
        using var reference = new DotNetStreamReference(stream);
        await _uploadModule.InvokeVoidAsync("download", name, reference);
    }

    private Task OnFrameAsync(Stream frame, bool live) =>
        live ? Session.AnalyzeAsync(((MemoryStream)frame).ToArray(), keepSelection: true) : Session.AdmitUpload() ? Session.AnalyzeAsync(frame) : Task.CompletedTask;

    /// <summary>
    /// Called by the drop zone and the paste handler (upload.js <c>sendPhoto</c>) with a photo of at most
    /// <see cref="Lookalike.Gallery.GalleryLimits.MaxDirectPhotoBytes"/> bytes inside the call, so its search starts
    /// without a further round trip to the browser. Anyone on the page may call it: it changes only this circuit's own
    /// session (nothing is stored), and it counts against the circuit's upload rate limit like every upload.
    /// </summary>
    [JSInvokable]
    public async Task OnPhotoAsync(byte[] photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        if (!Session.CheckSize(photo.Length) || !Session.AdmitUpload())
        {
            return;
        }
        _reveal = true;
        await Session.AnalyzeAsync(photo, keepSelection: false);
    }

    /// <summary>Called with an image as a stream by the drop zone and the paste handler for a photo larger than
    /// <see cref="Lookalike.Gallery.GalleryLimits.MaxDirectPhotoBytes"/> (a large one already downscaled in the browser).</summary>
    [JSInvokable]
    public async Task OnPasteAsync(IJSStreamReference image, long size)
    {
        ArgumentNullException.ThrowIfNull(image);
        await using (image.ConfigureAwait(false))
        {
            if (!Session.CheckSize(size) || !Session.AdmitUpload())
            {
                return;
            }
            await using var stream = await image.OpenReadStreamAsync(maxAllowedSize: Session.MaxUploadBytes);
            _reveal = true;
            await Session.AnalyzeAsync(stream, size);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _indexSubscription?.Dispose();
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("unregisterPaste", _pasteHandle);
                await _module.DisposeAsync();
            }
            if (_pasteHandle is not null)
            {
                await _pasteHandle.DisposeAsync();
            }
            if (_dropHandle is not null)
            {
                await _dropHandle.InvokeVoidAsync("dispose");
                await _dropHandle.DisposeAsync();
            }
            if (_uploadModule is not null)
            {
                await _uploadModule.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // circuit gone
        }
        _self?.Dispose();
    }
}
