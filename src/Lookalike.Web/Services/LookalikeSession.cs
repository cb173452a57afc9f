using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Web.Security;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Services;

/// <summary>A face of the probe photo: its box (upright-image pixels), descriptor and aligned face chip (112×112 JPEG data URL).</summary>
public sealed record ProbeFace(int Index, FaceBox Box, float Score, float[] Descriptor, string ChipDataUrl)
{
    /// <summary>The face's estimated age and sex (from its aligned thumbnail, as the gallery's are made).</summary>
    public Lookalike.Faces.AgeGender.AgeGenderEstimate? Estimate { get; init; }
}

/// <summary>
/// The home page's state for one circuit (scoped): the probe photo in memory only (never written), its faces, the selected
/// face, the search settings (k, maximum distance, efSearch) and the latest results. Components subscribe with
/// <see cref="NotifyOnChange"/> and stay thin.
/// </summary>
public sealed class LookalikeSession(MatchService matcher, LiveGallery index, IGalleryStore store, IOptions<LookalikeOptions> options, UploadRateLimiter uploadLimits, ILogger<LookalikeSession> logger) : IDisposable
{
    private readonly List<Action> _listeners = [];
    private readonly System.Threading.RateLimiting.RateLimiter? _uploads = uploadLimits.CreateForCircuit();
    private int _generation;

    /// <summary>Largest accepted photo in bytes.</summary>
    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    /// <summary>The upright probe photo as a JPEG data URL, or null.</summary>
    public string? PhotoDataUrl { get; private set; }

    public int PhotoWidth { get; private set; }

    public int PhotoHeight { get; private set; }

    /// <summary>Faces of the probe, largest first then left to right.</summary>
    public IReadOnlyList<ProbeFace> Faces { get; private set; } = [];

    /// <summary>Index into <see cref="Faces"/> of the face being matched; -1 when none.</summary>
    public int SelectedFace { get; private set; } = -1;

    /// <summary>Distinct people to show (1–<see cref="GalleryLimits.MaxSliderK"/>). Defaults to 10.</summary>
    public int K { get; private set; } = 10;

    private float? _maxDistance;

    /// <summary>Largest cosine distance shown (0 to <see cref="DistanceScale"/>). Defaults to <see cref="DistanceScale"/> (everything).</summary>
    public float MaxDistance => Math.Min(_maxDistance ?? DistanceScale, DistanceScale);

    /// <summary>
    /// Upper end of the distance slider: 1.5 × the largest distance strangers reach to their best match in this gallery,
    /// rounded up to 0.05 (face descriptors use a small part of the cosine range); 2 for an empty gallery.
    /// </summary>
    public float DistanceScale
    {
        get
        {
            var strangers = index.Current.StrangerDistances();
            return strangers.Length == 0 ? 2f : Math.Clamp(MathF.Ceiling(strangers[^1] * 1.5f / 0.05f) * 0.05f, 0.1f, 2f);
        }
    }

    /// <summary>efSearch per query (raised to k). Defaults to the index's.</summary>
    public int EfSearch { get; private set; } = index.Current.Parameters.DefaultEfSearch;

    /// <summary>Per-stage times of the last photo.</summary>
    public StageTimings? Timings { get; private set; }

    /// <summary>The face search behind the last people search of the selected face.</summary>
    public SearchOutcome? Outcome => _people?.Faces;

    private PeopleOutcome? _people;

    /// <summary>When the last search ran (UTC), so that a repeated search of the same photo is visible.</summary>
    public DateTimeOffset? SearchedAt { get; private set; }

    /// <summary>Whether only people estimated as the probe's sex are shown; kept for the circuit. On by default.</summary>
    public bool SameSexOnly { get; private set; } = true;

    /// <summary>The estimate of the selected probe face; null when there is none.</summary>
    public Lookalike.Faces.AgeGender.AgeGenderEstimate? SelectedEstimate =>
        SelectedFace >= 0 && SelectedFace < Faces.Count ? Faces[SelectedFace].Estimate : null;

    /// <summary>Whether the people shown were limited to one sex (the toggle is on and the probe's sex is not uncertain).</summary>
    public bool SameSexFiltered => _people?.FilteredTo is not null;

    /// <summary>Turns the same-sex filter on or off and searches again.</summary>
    public void SetSameSexOnly(bool on)
    {
        SameSexOnly = on;
        Search();
        Notify();
    }

    /// <summary>Whether the Advanced panel (sliders, histogram, timings) is open; kept for the circuit. Closed by default.</summary>
    public bool AdvancedOpen { get; set; }

    /// <summary>Median distance of strangers' best look-alikes (cosine), the scale a card's distance is read against; null when unrated.</summary>
    public float? TypicalStrangerDistance
    {
        get
        {
            var strangers = index.Current.StrangerDistances();
            return strangers.Length < StrangerDistribution.MinSamples ? null : strangers[strangers.Length / 2];
        }
    }

    /// <summary>A message for the results area (rejected photo, no face, empty gallery), or null.</summary>
    public string? Message { get; private set; }

    /// <summary>True when <see cref="Message"/> is an error (rejected photo).</summary>
    public bool MessageIsError { get; private set; }

    /// <summary>True while a photo is received or analysed.</summary>
    public bool Busy { get; private set; }

    /// <summary>While a photo is being received: the fraction of its bytes read so far (0…1) when the browser said its
    /// size, else null (also null once it is being analysed).</summary>
    public double? UploadProgress { get; private set; }

    /// <summary>What the busy bar is doing, in words ("Sending your photo… 40 %", "Looking for faces…"), or null.</summary>
    public string? BusyText { get; private set; }

    /// <summary>Photos analysed in this circuit (live frames included).</summary>
    public int PhotosAnalysed { get; private set; }

    /// <summary>The <see cref="K"/> nearest distinct people whose closest face is within <see cref="MaxDistance"/>, best first.</summary>
    public IReadOnlyList<PersonMatch> People => _people?.People.Where(p => p.BestDistance <= MaxDistance).ToList() ?? [];

    /// <summary>The gallery's distribution of strangers' best-match distances (sorted), for the histogram.</summary>
    public IReadOnlyList<float> StrangerDistances => index.Current.StrangerDistances();

    /// <summary>Subscribes to changes; dispose the result to unsubscribe.</summary>
    public IDisposable NotifyOnChange(Action callback)
    {
        lock (_listeners)
        {
            _listeners.Add(callback);
        }
        return new Subscription(this, callback);
    }

    /// <summary>Rejects a file before transfer when it is over the limit (checked from the browser's size).</summary>
    public bool CheckSize(long size)
    {
        if (size <= MaxUploadBytes)
        {
            return true;
        }
        Reject($"The file is larger than {MaxUploadBytes / (1024 * 1024)} MB — choose a smaller photo.");
        return false;
    }

    /// <summary>
    /// Counts a photo upload (file, paste or snapshot; live webcam frames are not counted) against this circuit's
    /// <see cref="RateLimitOptions.UploadsPerMinute"/>; when it is used up, says so and returns false.
    /// </summary>
    public bool AdmitUpload()
    {
        if (_uploads is null)
        {
            return true;
        }
        using var lease = _uploads.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return true;
        }
        Reject("You have sent a lot of photos in the last minute — wait a moment and try again.");
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => _uploads?.Dispose();

    /// <summary>Shows a message in the results area.</summary>
    public void Reject(string message)
    {
        Message = message;
        MessageIsError = true;
        Notify();
    }

    /// <summary>Analyses a photo read completely from <paramref name="stream"/>, keeps it in memory only, and matches its
    /// largest face. While the bytes arrive, <see cref="UploadProgress"/> follows them (at most ten updates a second)
    /// when <paramref name="expectedBytes"/> (the size the browser reported) is given; the previous message is cleared
    /// at once, so a slow upload never shows the last photo's error.</summary>
    /// <param name="stream">The photo's bytes (read to the end).</param>
    /// <param name="expectedBytes">The size the browser reported, in bytes, or null when unknown.</param>
    /// <param name="cancellationToken">Cancels the read and the analysis.</param>
    public async Task AnalyzeAsync(Stream stream, long? expectedBytes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        Busy = true;
        Message = null;
        MessageIsError = false;
        UploadProgress = expectedBytes > 0 ? 0 : null;
        BusyText = "Sending your photo…";
        Notify();
        try
        {
            var chunk = new byte[81920];
            var lastNotify = Environment.TickCount64;
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (expectedBytes > 0 && Environment.TickCount64 - lastNotify >= 100)
                {
                    lastNotify = Environment.TickCount64;
                    UploadProgress = Math.Min(1.0, buffer.Length / (double)expectedBytes.Value);
                    BusyText = $"Sending your photo… {UploadProgress:P0}";
                    Notify();
                }
            }
        }
        catch
        {
            Busy = false;
            UploadProgress = null;
            BusyText = null;
            Notify();
            throw;
        }
        await AnalyzeAsync(buffer.ToArray(), keepSelection: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Analyses a photo given as bytes. <paramref name="keepSelection"/> keeps the selected face index (live frames).</summary>
    public async Task AnalyzeAsync(byte[] bytes, bool keepSelection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var generation = Interlocked.Increment(ref _generation);
        Busy = true;
        UploadProgress = null;
        BusyText = "Looking for faces…";
        Notify();
        try
        {
            var analysis = await Task.Run(() => matcher.Analyze(bytes), cancellationToken).ConfigureAwait(false);
            var jpeg = await Task.Run(() => FacePipeline.EncodeJpeg(analysis.Image, 80), cancellationToken).ConfigureAwait(false);
            if (generation != Volatile.Read(ref _generation))
            {
                return;
            }
            PhotosAnalysed++;
            PhotoDataUrl = "data:image/jpeg;base64," + Convert.ToBase64String(jpeg);
            PhotoWidth = analysis.Image.Width;
            PhotoHeight = analysis.Image.Height;
            Faces = analysis.Faces.Select((f, i) => new ProbeFace(i, f.Detection.Box, f.Detection.Score, f.Descriptor, "data:image/jpeg;base64," + Convert.ToBase64String(f.ThumbnailJpeg))
            {
                Estimate = matcher.EstimateAgeSex(f),
            }).ToList();
            Timings = analysis.Timings;
            SelectedFace = Faces.Count == 0 ? -1 : keepSelection && SelectedFace >= 0 && SelectedFace < Faces.Count ? SelectedFace : 0;
            Message = null;
            MessageIsError = false;
            Search();
        }
        catch (ImageRejectedException ex)
        {
            PhotoDataUrl = null;
            Faces = [];
            SelectedFace = -1;
            _people = null;
            Timings = null;
            Message = ImageRejectionText.Sentence(ex);
            MessageIsError = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // An unexpected pipeline failure must not take the circuit down: say so and keep the page usable.
            logger.LogError(ex, "Analysing a {Bytes}-byte photo failed", bytes.Length);
            _people = null;
            Message = "Something went wrong while analysing this photo. Try another photo; if it keeps happening, the server's log says why.";
            MessageIsError = true;
        }
        finally
        {
            Busy = false;
            BusyText = null;
            Notify();
        }
    }

    /// <summary>Component tests: takes <paramref name="face"/> as the photo's only face, selected, without running the
    /// face pipeline or a search.</summary>
    internal void UseProbeForTests(ProbeFace face)
    {
        Faces = [face];
        SelectedFace = 0;
    }

    /// <summary>Matches another face of the photo.</summary>
    public void SelectFace(int index)
    {
        if (index < 0 || index >= Faces.Count || index == SelectedFace)
        {
            return;
        }
        SelectedFace = index;
        Search();
        Notify();
    }

    /// <summary>Sets the number of people k (clamped to 1–<see cref="GalleryLimits.MaxSliderK"/>) and searches again.</summary>
    public void SetK(int k)
    {
        K = Math.Clamp(k, 1, GalleryLimits.MaxSliderK);
        Search();
        Notify();
    }

    /// <summary>Sets the maximum distance shown (0–2); no new search is needed.</summary>
    public void SetMaxDistance(float distance)
    {
        _maxDistance = Math.Clamp(distance, 0f, 2f);
        Notify();
    }

    /// <summary>Sets efSearch (clamped to 1–<see cref="GalleryLimits.MaxEfSearch"/>) and searches again.</summary>
    public void SetEfSearch(int efSearch)
    {
        EfSearch = Math.Clamp(efSearch, 1, GalleryLimits.MaxEfSearch);
        Search();
        Notify();
    }

    /// <summary>
    /// The result card of the current best match as PNG bytes (<see cref="ResultCard"/>: your face chip beside theirs,
    /// the names, the rating), made in memory for a download; null when there is no match or their face is gone.
    /// </summary>
    public byte[]? ResultCardPng()
    {
        var best = People.FirstOrDefault();
        if (best is null || SelectedFace < 0 || SelectedFace >= Faces.Count || store.GetThumbnail(best.BestFaceId) is not { } theirs)
        {
            return null;
        }
        var url = Faces[SelectedFace].ChipDataUrl;
        var chip = Convert.FromBase64String(url[(url.IndexOf(',', StringComparison.Ordinal) + 1)..]);
        return ResultCard.RenderPng(chip, theirs, best);
    }

    /// <summary>Forgets the photo (nothing else to delete: nothing was written).</summary>
    public void Clear()
    {
        PhotoDataUrl = null;
        Faces = [];
        SelectedFace = -1;
        _people = null;
        Timings = null;
        Message = null;
        SearchedAt = null;
        Notify();
    }

    private void Search()
    {
        if (SelectedFace < 0 || SelectedFace >= Faces.Count)
        {
            _people = null;
            if (PhotoDataUrl is not null && Faces.Count == 0)
            {
                Message = "No face detected — try a photo where a face is clearly visible.";
                MessageIsError = false;
            }
            return;
        }
        _people = matcher.SearchPeople(Faces[SelectedFace].Descriptor, K, EfSearch,
            sameSexAs: SameSexOnly ? Faces[SelectedFace].Estimate?.Sex : null);
        SearchedAt = DateTimeOffset.UtcNow;
        if (_people.Faces.GalleryCount == 0)
        {
            Message = index.Status.State is IndexState.Loading or IndexState.Rebuilding
                ? "The gallery index is still loading — try again in a moment."
                : "The celebrity gallery is empty — import a gallery first.";
            MessageIsError = false;
        }
    }

    private void Notify()
    {
        Action[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }
        foreach (var listener in listeners)
        {
            listener();
        }
    }

    private sealed class Subscription(LookalikeSession owner, Action callback) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._listeners)
            {
                owner._listeners.Remove(callback);
            }
        }
    }
}
