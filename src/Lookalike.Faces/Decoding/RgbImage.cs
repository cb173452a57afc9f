namespace Lookalike.Faces;

/// <summary>Why an image was refused. The UI shows the exception message; an HTTP API maps the reason to 400/413/415.</summary>
public enum ImageRejectReason
{
    /// <summary>The file has no bytes ("empty file"). HTTP 400.</summary>
    EmptyFile,

    /// <summary>The bytes are not any image format ("not an image"), e.g. text or HTML. HTTP 415.</summary>
    NotAnImage,

    /// <summary>The bytes start like an image but cannot be decoded completely ("corrupt or incomplete image"). HTTP 400.</summary>
    CorruptOrIncomplete,

    /// <summary>A real image format the decoder cannot read, e.g. HEIC ("HEIC is not supported — export as JPEG or PNG"). HTTP 415.</summary>
    UnsupportedFormat,

    /// <summary>The file is larger than <see cref="FaceOptions.MaxFileBytes"/> ("file is larger than … MB"). HTTP 413.</summary>
    FileTooLarge,

    /// <summary>The header announces more pixels than <see cref="FaceOptions.MaxMegapixels"/> or a side above <see cref="FaceOptions.MaxImageSide"/>. HTTP 413.</summary>
    ImageTooLarge,

    /// <summary>A side is below <see cref="FaceOptions.MinImageSide"/> ("image too small (minimum 32×32)"). HTTP 400.</summary>
    ImageTooSmall,

    /// <summary>Faces were found but none gave a usable descriptor ("could not compute a face descriptor": the network
    /// output was NaN, infinite or all zeros; see <see cref="DescriptorCheck"/>). HTTP 400.</summary>
    NoDescriptor,
}

/// <summary>The one exception type for images the pipeline cannot take. <see cref="Exception.Message"/> is meant for the user.</summary>
public sealed class ImageRejectedException : Exception
{
    /// <summary>Creates an exception with reason <see cref="ImageRejectReason.CorruptOrIncomplete"/> and a default message.</summary>
    public ImageRejectedException() : this(ImageRejectReason.CorruptOrIncomplete, "corrupt or incomplete image") { }

    /// <summary>Creates an exception with reason <see cref="ImageRejectReason.CorruptOrIncomplete"/>.</summary>
    /// <param name="message">User-facing text.</param>
    public ImageRejectedException(string message) : this(ImageRejectReason.CorruptOrIncomplete, message) { }

    /// <summary>Creates an exception with reason <see cref="ImageRejectReason.CorruptOrIncomplete"/> wrapping a decoder error.</summary>
    /// <param name="message">User-facing text.</param>
    /// <param name="inner">The decoder's exception.</param>
    public ImageRejectedException(string message, Exception inner) : this(ImageRejectReason.CorruptOrIncomplete, message, inner) { }

    /// <summary>Creates an exception with an explicit reason.</summary>
    /// <param name="reason">Machine-readable reason (maps to an HTTP status).</param>
    /// <param name="message">User-facing text containing the key phrase of the reason.</param>
    /// <param name="inner">The decoder's exception, if any.</param>
    public ImageRejectedException(ImageRejectReason reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    /// <summary>Why the image was refused.</summary>
    public ImageRejectReason Reason { get; }
}

/// <summary>
/// An 8-bit RGB image, upright (EXIF orientation applied once), without alpha (composited on white).
/// <see cref="Pixels"/> is row-major [Height, Width, 3] in R, G, B order, length Width × Height × 3.
/// </summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">Row-major [Height, Width, 3] RGB bytes.</param>
/// <param name="Format">Source format sniffed from the bytes: "jpeg", "png", "gif", "webp", "bmp" or "ico".</param>
public sealed record RgbImage(int Width, int Height, byte[] Pixels, string Format);
