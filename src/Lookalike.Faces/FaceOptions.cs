namespace Lookalike.Faces;

/// <summary>
/// Options of the face pipeline, bound from the <c>Lookalike:Faces</c> configuration section. Every property has a
/// documented default; <see cref="Validate"/> is called by <see cref="FacePipeline"/> at construction.
/// </summary>
public sealed class FaceOptions
{
    /// <summary>Folder holding <c>blazeface/</c> and <c>face-api/</c>. Defaults to <c>models/</c> next to the app (where the build copies them).</summary>
    public string ModelDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Largest accepted file, in bytes. Defaults to 20 MiB. Larger files are refused with <see cref="ImageRejectReason.FileTooLarge"/>.</summary>
    public long MaxFileBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest accepted decoded size in megapixels (width × height / 10⁶), checked from the header before any pixel buffer exists. Defaults to 40.</summary>
    public double MaxMegapixels { get; set; } = 40;

    /// <summary>
    /// Megapixels decoded at once by the pipeline, over all parallel decodes (<see cref="Decoding.DecodeBudget"/>): a
    /// decode holds its header-declared width × height until its pixel buffers are released, and later decodes wait
    /// (first come, first served) while the budget is full, so parallel near-limit uploads queue instead of multiplying
    /// memory. The pipeline's <see cref="FacePipeline.Analyze"/> holds them until the faces are described. 3 bytes per
    /// pixel (the RGB image; JPEG decodes row by row) plus, while other formats decode, a 4-byte native RGBA frame.
    /// null (default): 2 × <see cref="MaxMegapixels"/>, i.e. 80, two largest images at once (216–500 MB). Must be at least <see cref="MaxMegapixels"/> so every accepted image
    /// can be decoded.
    /// </summary>
    public double? DecodeBudgetMegapixels { get; set; }

    /// <summary>The decode budget in pixels: <see cref="DecodeBudgetMegapixels"/> (or 2 × <see cref="MaxMegapixels"/>) × 10⁶, rounded up.</summary>
    internal long DecodeBudgetPixels => (long)Math.Ceiling((DecodeBudgetMegapixels ?? (2 * MaxMegapixels)) * 1e6);

    /// <summary>Largest accepted width or height in pixels, checked from the header. Defaults to 12,000.</summary>
    public int MaxImageSide { get; set; } = 12_000;

    /// <summary>Smallest accepted width or height in pixels (after orientation). Defaults to 32; smaller images are refused with "image too small (minimum 32×32)".</summary>
    public int MinImageSide { get; set; } = 32;

    /// <summary>
    /// Faces whose BlazeFace box is narrower or lower than this many source pixels are dropped. Defaults to 32: BlazeFace
    /// boxes are tight (brows to mouth, about 0.8 of the head), so 32 here is about 40 px of head, and a face that small
    /// still gives a usable 150×150 chip (B12's crowd photo has its main face at 37 px).
    /// </summary>
    public int MinFaceSide { get; set; } = 32;

    /// <summary>true: BlazeFace back-camera model (256 px input, finds small faces and groups; default); false: front model (128 px, selfies, about 3× faster).</summary>
    public bool UseBackModel { get; set; } = true;

    /// <summary>Minimum detection score (sigmoid of the BlazeFace logit, in [0, 1]). Defaults to 0.6.</summary>
    public float MinDetectionScore { get; set; } = 0.6f;

    /// <summary>ONNX Runtime intra-op threads per session; 0 (default) lets ONNX Runtime use one per physical core.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>true: append the CUDA execution provider when the installed ONNX Runtime has it; falls back to the CPU provider otherwise. Defaults to false.</summary>
    public bool UseCuda { get; set; }

    /// <summary>
    /// true (default): the descriptor is the mean of the descriptors of the aligned chip and its mirror image (one more
    /// network run per face, about +5 ms). Measured on LFW folds 1–8 with dlib alignment: 98.92% → 99.00% verification
    /// (std 0.33 → 0.17) and rank-1 96.25% → 96.94%; false halves the embedding time.
    /// </summary>
    public bool FlipAverage { get; set; } = true;

    /// <summary>
    /// true (default): run the 68-point landmark network (face-api.js FaceLandmark68Net) on each detected face and cut the
    /// chip the way dlib's <c>get_face_chip_details(shape, 150, 0.25)</c> does from its 5 points (eye corners, nose base),
    /// about +3 ms per face. false: align directly on the BlazeFace keypoints with the template of
    /// <see cref="Alignment.FaceAligner.Align"/>. Measured on LFW folds 1–8: 98.65% → 98.92% (plain descriptor), rank-1
    /// 95.35% → 96.25%.
    /// </summary>
    public bool UseLandmarks { get; set; } = true;

    /// <summary>
    /// true (default): the 68 landmarks are the mean of the network's answers for the crop and for its mirror image
    /// (points renumbered left ↔ right), one more landmark run per face (about 1.5 ms). Measured on LFW folds 1–8 with the
    /// other defaults: 99.00% ± 0.17 → 99.10% ± 0.36 verification, 99.06% → 99.10% at the fixed 0.6 threshold,
    /// rank-1 96.94% → 96.96%.
    /// </summary>
    public bool LandmarkFlipAverage { get; set; } = true;

    /// <summary>
    /// Number of jittered resamplings of the chip whose descriptors are averaged (dlib's <c>num_jitters</c>, see
    /// <see cref="Alignment.ChipJitter"/>): rotation up to ±3°, zoom 0.97–1, shift up to 2%, every second one mirrored.
    /// 0 or 1 (default 0): no jitter, as with dlib's <c>num_jitters</c> ≤ 1 (the chip, or the chip and its mirror with
    /// <see cref="FlipAverage"/>); 2 or more replaces <see cref="FlipAverage"/> and costs one network run per sample (about 3 ms each, cut and embedded, on 2 CPU cores). dlib reports
    /// 99.13% (no jitter), 99.3% (10) and 99.38% (100) on LFW; our measurements are in README.md. 0–1,000.
    /// </summary>
    public int Jitter { get; set; }

    /// <summary>Folder where the built embedding ONNX model is cached, keyed by the weights' SHA-256. null (default): build in memory at every start (about a second).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// The descriptor model (<c>Lookalike:Faces:Model</c>): <c>dlib</c> (default; ResNet-34, 128-D on the dlib 150×150
    /// chip), <c>mobilefacenet</c> (192-D, L2-normalised, on the 112×112 ArcFace chip) or <c>fused</c> (both descriptors
    /// L2-normalised, concatenated and re-normalised: 320-D). The two others need <see cref="UseLandmarks"/> (the ArcFace
    /// template is fitted to the 68 landmarks) and no <see cref="Jitter"/>. Part of the store's model identity.
    /// </summary>
    public string Model { get; set; } = DescriptorModels.Dlib;

    /// <summary>Checks every value and throws on the first that is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is zero, negative or inconsistent, or <see cref="Model"/> is not one of the three names.</exception>
    /// <exception cref="ArgumentException"><see cref="Model"/> needs an option that is off (landmarks) or on (jitter).</exception>
    public void Validate()
    {
        if (!DescriptorModels.IsKnown(Model))
        {
            throw new ArgumentOutOfRangeException(nameof(Model), Model, DescriptorModels.UnknownMessage);
        }
        if (Model != DescriptorModels.Dlib && !UseLandmarks)
        {
            throw new ArgumentException($"Lookalike:Faces:Model = {Model} needs UseLandmarks (the ArcFace chip is fitted to the 68 landmarks).", nameof(Model));
        }
        if (Model != DescriptorModels.Dlib && Jitter >= 2)
        {
            throw new ArgumentException($"Lookalike:Faces:Model = {Model} does not support Jitter (only dlib does).", nameof(Model));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxFileBytes, 0, nameof(MaxFileBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxMegapixels, 0, nameof(MaxMegapixels));
        if (DecodeBudgetMegapixels is { } budget)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(budget, MaxMegapixels, nameof(DecodeBudgetMegapixels));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MinImageSide, 1, nameof(MinImageSide));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxImageSide, MinImageSide, nameof(MaxImageSide));
        ArgumentOutOfRangeException.ThrowIfNegative(MinFaceSide, nameof(MinFaceSide));
        ArgumentOutOfRangeException.ThrowIfNegative(MinDetectionScore, nameof(MinDetectionScore));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinDetectionScore, 1f, nameof(MinDetectionScore));
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads, nameof(IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(Jitter, nameof(Jitter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Jitter, Alignment.ChipJitter.MaxCount, nameof(Jitter));
    }
}

/// <summary>The names of <see cref="FaceOptions.Model"/>.</summary>
public static class DescriptorModels
{
    /// <summary>dlib ResNet-34, 128-D (the default).</summary>
    public const string Dlib = "dlib";

    /// <summary>MobileFaceNet, 192-D.</summary>
    public const string MobileFaceNet = "mobilefacenet";

    /// <summary>dlib and MobileFaceNet concatenated, 320-D.</summary>
    public const string Fused = "fused";

    /// <summary>The three names, in this order.</summary>
    public static IReadOnlyList<string> All { get; } = [Dlib, MobileFaceNet, Fused];

    /// <summary>The error for any other value of <c>Lookalike:Faces:Model</c>; names the allowed values.</summary>
    public const string UnknownMessage = "Lookalike:Faces:Model must be 'dlib', 'mobilefacenet' or 'fused'.";

    /// <summary>true when <paramref name="model"/> is one of <see cref="All"/> (exact, lower case).</summary>
    /// <param name="model">A configured value; null is not known.</param>
    public static bool IsKnown(string? model) => model is not null && All.Contains(model, StringComparer.Ordinal);
}
