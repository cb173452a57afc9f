// CONTRACT SKELETON — the public surface the gallery and web layers code against.
// The faces helper replaces every body below with the real implementation, moving each type into its stage folder
// (Decoding/, Detection/, Alignment/, Embedding/, Pipeline). Signatures may only grow, not change, without telling the other teams.
namespace Lookalike.Faces;

/// <summary>Why an image was refused. The UI shows the exception message; the API maps the reason to 400/413/415.</summary>
public enum ImageRejectReason { EmptyFile, NotAnImage, CorruptOrIncomplete, UnsupportedFormat, FileTooLarge, ImageTooLarge, ImageTooSmall }

/// <summary>The one exception type for images the pipeline cannot take.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException() { }
    public ImageRejectedException(string message) : base(message) { }
    public ImageRejectedException(string message, Exception inner) : base(message, inner) { }
    public ImageRejectedException(ImageRejectReason reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;
    public ImageRejectReason Reason { get; }
}

/// <summary>Options of the face pipeline, bound from the "Lookalike:Faces" configuration section.</summary>
public sealed class FaceOptions
{
    /// <summary>Folder holding blazeface/ and face-api/ (defaults to models/ next to the app).</summary>
    public string ModelDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "models");
    public long MaxFileBytes { get; set; } = 20L * 1024 * 1024;
    public double MaxMegapixels { get; set; } = 40;
    public int MinImageSide { get; set; } = 32;
    public int MinFaceSide { get; set; } = 40;
    /// <summary>true: BlazeFace back model (256 px input); false: front model (128 px).</summary>
    public bool UseBackModel { get; set; } = true;
    public float MinDetectionScore { get; set; } = 0.6f;
    public int IntraOpThreads { get; set; }
    public bool UseCuda { get; set; }
    public bool FlipAverage { get; set; }
    /// <summary>Folder where the built embedding ONNX model is cached (keyed by the weights' hash).</summary>
    public string? CacheDirectory { get; set; }
}

/// <summary>An 8-bit RGB image, upright (EXIF orientation applied). <see cref="Pixels"/> is row-major [Height, Width, 3].</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels, string Format);

/// <summary>A face box in source-image pixels: top-left corner and size.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    public float Area => Width * Height;
}

/// <summary>A point in source-image pixels.</summary>
public readonly record struct Point2(float X, float Y);

/// <summary>A detected face: box, the six BlazeFace keypoints (eye on image-left, eye on image-right, nose tip, mouth centre, ear on image-left, ear on image-right) and the detection score in [0, 1].</summary>
public sealed record DetectedFace(FaceBox Box, IReadOnlyList<Point2> Keypoints, float Score);

/// <summary>A face of an analysed photo: detection, its 128-D descriptor (float[128]) and a 112×112 JPEG thumbnail.</summary>
public sealed record AnalyzedFace(DetectedFace Detection, float[] Descriptor, byte[] ThumbnailJpeg);

/// <summary>Milliseconds spent in each stage of one photo.</summary>
public sealed record StageTimings(double DecodeMs, double DetectMs, double AlignMs, double EmbedMs);

/// <summary>Result of one photo: the decoded image and its faces, largest first then left to right.</summary>
public sealed record FaceAnalysis(RgbImage Image, IReadOnlyList<AnalyzedFace> Faces, StageTimings Timings);

/// <summary>Which model produced descriptors: name and weights hash (a change means stored descriptors are stale).</summary>
public sealed record ModelIdentity(string Name, string WeightsSha256, int Dimension);

/// <summary>Decode → detect → align → embed. Thread-safe singleton.</summary>
public sealed class FacePipeline : IDisposable
{
    public FacePipeline(FaceOptions options) => Options = options;
    public FaceOptions Options { get; }
    public ModelIdentity Model => throw new NotImplementedException();
    public const int DescriptorLength = 128;
    /// <summary>Analyses one photo. Throws <see cref="ImageRejectedException"/> for bytes that are not a usable image. No face → empty Faces.</summary>
    public FaceAnalysis Analyze(ReadOnlySpan<byte> file) => throw new NotImplementedException();
    /// <summary>Decode and detect only (the import's parallel stage).</summary>
    public (RgbImage Image, IReadOnlyList<DetectedFace> Faces) DecodeAndDetect(ReadOnlySpan<byte> file) => throw new NotImplementedException();
    /// <summary>Aligns and embeds a batch of faces; returns row-major [n, 128] descriptors and 112×112 JPEG thumbnails.</summary>
    public IReadOnlyList<AnalyzedFace> EmbedFaces(IReadOnlyList<(RgbImage Image, DetectedFace Face)> faces) => throw new NotImplementedException();
    /// <summary>Encodes an image (e.g. the upright photo) as JPEG, for display.</summary>
    public static byte[] EncodeJpeg(RgbImage image, int quality = 85) => throw new NotImplementedException();
    public void Dispose() { }
}
