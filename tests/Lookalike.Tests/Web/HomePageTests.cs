using Microsoft.AspNetCore.Components.Web;
using Bunit;
using Lookalike.Tests.Gallery;
using Lookalike.Tests.Infrastructure;
using Lookalike.Web;
using Lookalike.Web.Components.Pages.Home;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Lookalike.Web.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Lookalike.Tests.Web;

/// <summary>The home page in bUnit over the imported LFW slice with the real pipeline and index.</summary>
[Collection(LfwGalleryCollection.Name)]
public sealed class HomePageTests(LfwGalleryFixture gallery) : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public async Task InitializeAsync()
    {
        if (!gallery.Available)
        {
            return;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lookalike:DataDirectory"] = gallery.DataDirectory,
            ["Lookalike:Faces:ModelDirectory"] = TestPaths.Models,
        }).Build();
        _ctx.Services.AddLogging();
        _ctx.Services.AddLookalikeGallery(configuration);
        _ctx.Services.AddSingleton<Lookalike.Web.Security.UploadRateLimiter>();
        _ctx.Services.AddScoped<LookalikeSession>();
        _ctx.Services.AddMudServices();
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        await _ctx.Services.GetRequiredService<LiveGallery>().EnsureReadyAsync();
    }

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    private async Task<IRenderedComponent<Home>> RenderWithPhotoAsync(string path)
    {
        var cut = _ctx.Render<Home>();
        var session = _ctx.Services.GetRequiredService<LookalikeSession>();
        await cut.InvokeAsync(() => session.AnalyzeAsync(File.ReadAllBytes(path), keepSelection: false));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=match-card]")));
        return cut;
    }

    /// <summary>Opens the Advanced panel (closed by default, its sliders are not in the page until it opens).</summary>
    private static void OpenAdvanced(IRenderedComponent<Home> cut)
    {
        Assert.Empty(cut.FindAll("input[type=range]"));
        cut.Find("[data-testid=advanced] .mud-expand-panel-header").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("input[type=range]").Count));
    }

    [SharedDataFact("data/lfw")]
    public async Task KSlider_MovedToOne_GalleryShowsOneCard()
    {
        var cut = await RenderWithPhotoAsync(gallery.HeldBack[0].Path);
        Assert.True(cut.FindAll("[data-testid=match-card]").Count > 1);
        OpenAdvanced(cut);

        cut.FindAll("input[type=range]")[0].Input("1");

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=match-card]")));
        Assert.Equal(gallery.HeldBack[0].Person, cut.Find("[data-testid=match-card]").GetAttribute("data-person"));
    }

    [SharedDataFact("data/lfw")]
    public async Task ThresholdSlider_MovedToZero_NoCardsAndMessage()
    {
        var cut = await RenderWithPhotoAsync(gallery.HeldBack[0].Path);
        OpenAdvanced(cut);

        cut.FindAll("input[type=range]")[1].Input("0");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=match-card]")));
        Assert.Contains("No look-alikes within the distance limit", cut.Markup, StringComparison.Ordinal);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task FaceBox_ClickSecondFace_SelectionAndResultsSwitch()
    {
        var cut = await RenderWithPhotoAsync(Path.Combine(TestPaths.BugInputs, "b12_two_faces_large_left_small_right.jpg"));
        var before = cut.Find("[data-testid=match-card]").TextContent;
        Assert.Equal(2, cut.FindAll("[data-testid=face-box]").Count);

        cut.FindAll("[data-testid=face-box]")[1].Click();

        cut.WaitForAssertion(() => Assert.Equal("true", cut.FindAll("[data-testid=face-box]")[1].GetAttribute("aria-pressed")));
        Assert.NotEqual(before, cut.Find("[data-testid=match-card]").TextContent);
    }

    [SharedDataFact("bugs/inputs")]
    public async Task FaceBox_EnterOnFocusedBox_SelectsIt()
    {
        var cut = await RenderWithPhotoAsync(Path.Combine(TestPaths.BugInputs, "b12_two_faces_large_left_small_right.jpg"));
        var box = cut.FindAll("[data-testid=face-box]")[1];
        Assert.Equal("0", box.GetAttribute("tabindex")); // reachable with Tab

        box.KeyDown(new KeyboardEventArgs { Key = "Enter" });

        cut.WaitForAssertion(() => Assert.Equal("true", cut.FindAll("[data-testid=face-box]")[1].GetAttribute("aria-pressed")));
    }

    [SharedDataFact("bugs/inputs")]
    public async Task NoFacePhoto_SaysNoFaceDetected()
    {
        var cut = _ctx.Render<Home>();
        var session = _ctx.Services.GetRequiredService<LookalikeSession>();

        await cut.InvokeAsync(() => session.AnalyzeAsync(File.ReadAllBytes(Path.Combine(TestPaths.BugInputs, "b11_flat_gray_640x480.png")), keepSelection: false));

        cut.WaitForAssertion(() => Assert.Contains("No face detected", cut.Find("[data-testid=result-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=match-card]"));
    }

    [SharedDataFact("bugs/inputs")]
    public async Task CorruptPhoto_SaysCorruptOrIncomplete()
    {
        var cut = _ctx.Render<Home>();
        var session = _ctx.Services.GetRequiredService<LookalikeSession>();

        await cut.InvokeAsync(() => session.AnalyzeAsync(File.ReadAllBytes(Path.Combine(TestPaths.BugInputs, "b06_truncated_half.jpg")), keepSelection: false));

        cut.WaitForAssertion(() => Assert.Contains("corrupt or incomplete image", cut.Find("[data-testid=result-message]").TextContent, StringComparison.Ordinal));
    }

    [SharedDataFact("data/lfw")]
    public async Task SlowUpload_ShowsItsProgress_AndNotThePreviousError()
    {
        var cut = _ctx.Render<Home>();
        var session = _ctx.Services.GetRequiredService<LookalikeSession>();
        await cut.InvokeAsync(() => session.AnalyzeAsync(File.ReadAllBytes(Path.Combine(TestPaths.BugInputs, "b06_truncated_half.jpg")), keepSelection: false));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=result-message]")));

        var photo = File.ReadAllBytes(gallery.HeldBack[0].Path);
        using var stream = new GatedStream(photo, photo.Length / 2);
        var upload = cut.InvokeAsync(() => session.AnalyzeAsync(stream, photo.Length));

        // Half the bytes are in, the rest is held back: the bar says how far it got, the old error is gone.
        cut.WaitForAssertion(() => Assert.Contains("Sending your photo… 50", cut.Find("[data-testid=busy-text]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=result-message]"));
        Assert.InRange(session.UploadProgress ?? -1, 0.49, 0.51);

        stream.Release();
        await upload;
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=match-card]")));
        Assert.Empty(cut.FindAll("[data-testid=busy]"));
        Assert.Null(session.UploadProgress);
    }

    /// <summary>A read-only stream that hands out its first <c>split</c> bytes after 150 ms (so the session's
    /// ten-a-second progress update fires) and the rest only after <see cref="Release"/>.</summary>
    private sealed class GatedStream(byte[] data, int split) : Stream
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public void Release() => _gate.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == 0)
            {
                await Task.Delay(150, cancellationToken);
            }
            else if (_position >= split)
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }
            var end = _position < split ? split : data.Length;
            var n = Math.Min(buffer.Length, end - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [SharedDataFact("data/lfw")]
    public void OversizedFile_RefusedFromItsSize()
    {
        var cut = _ctx.Render<Home>();
        var session = _ctx.Services.GetRequiredService<LookalikeSession>();

        var accepted = session.CheckSize(11_000_000);

        Assert.False(accepted);
        cut.WaitForAssertion(() => Assert.Contains("larger than 10 MB", cut.Find("[data-testid=result-message]").TextContent, StringComparison.Ordinal));
    }
}
