using System.Globalization;
using SkiaSharp;

namespace Lookalike.Faces.Decoding;

/// <summary>
/// Decodes untrusted image bytes into an upright 8-bit <see cref="RgbImage"/> with SkiaSharp.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The format is sniffed from the magic bytes, never from a file name or content type.</item>
/// <item>Size limits are checked from the header before any pixel buffer is allocated.</item>
/// <item>A decode holds its header-declared pixel count from <see cref="Budget"/> while its buffers exist: parallel decodes beyond the budget queue.</item>
/// <item>EXIF orientation (all 8 values, including the mirrored ones) is applied exactly once.</item>
/// <item>Grey, grey+alpha, palette, 16-bit and CMYK inputs become 8-bit RGB; alpha is composited on white (255, 255, 255).</item>
/// <item>16-bit PNG samples are rounded to the nearest 8-bit value, (v·255 + 32767) / 65535 (<see cref="Png16Decoder"/>), not truncated to their high byte; alpha is composited after rounding.</item>
/// <item>A multi-frame GIF (or animated WebP) yields its first frame.</item>
/// <item>Truncated data is refused, not decoded with a grey bottom part.</item>
/// </list>
/// Thread-safe: the instance holds the limits and the shared budget.
/// </remarks>
public sealed class ImageDecoder
{
    /// <summary>The value (per channel) transparent pixels are composited on: white.</summary>
    public const byte Background = 255;

    private readonly FaceOptions _options;

    /// <summary>Creates a decoder with the limits of <paramref name="options"/> and its own <see cref="DecodeBudget"/> of <see cref="FaceOptions.DecodeBudgetMegapixels"/>.</summary>
    /// <param name="options">Limits: <see cref="FaceOptions.MaxFileBytes"/>, <see cref="FaceOptions.MaxMegapixels"/>, <see cref="FaceOptions.MaxImageSide"/>, <see cref="FaceOptions.MinImageSide"/>, <see cref="FaceOptions.DecodeBudgetMegapixels"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public ImageDecoder(FaceOptions options) : this(options, new DecodeBudget((options ?? throw new ArgumentNullException(nameof(options))).DecodeBudgetPixels))
    {
    }

    /// <summary>Creates a decoder that shares <paramref name="budget"/> (e.g. with other decoders of the process).</summary>
    /// <param name="options">Limits, as for <see cref="ImageDecoder(FaceOptions)"/>; <see cref="FaceOptions.DecodeBudgetMegapixels"/> is not used.</param>
    /// <param name="budget">The budget of pixels decoded at once.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public ImageDecoder(FaceOptions options, DecodeBudget budget)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        _options = options;
        Budget = budget;
    }

    /// <summary>The budget of pixels decoded at once that every <see cref="Decode"/> of this decoder holds its image's pixels from.</summary>
    public DecodeBudget Budget { get; }

    /// <summary>Decodes one file.</summary>
    /// <param name="file">The complete file bytes.</param>
    /// <returns>The upright RGB image.</returns>
    /// <remarks>Blocks while <see cref="Budget"/> cannot hold the image's pixels (other decodes in progress).</remarks>
    /// <exception cref="ImageRejectedException">The bytes are empty, too large, not an image, an unsupported format, corrupt or truncated, or the image is too small or too large; <see cref="ImageRejectedException.Reason"/> says which.</exception>
    public RgbImage Decode(ReadOnlySpan<byte> file)
    {
        if (file.IsEmpty)
        {
            throw new ImageRejectedException(ImageRejectReason.EmptyFile, "empty file: the upload contains no bytes");
        }
        if (file.Length > _options.MaxFileBytes)
        {
            throw new ImageRejectedException(ImageRejectReason.FileTooLarge, $"file is larger than {FormatMegabytes(_options.MaxFileBytes)} MB");
        }

        var format = ImageFormatSniffer.Sniff(file);
        switch (format)
        {
            case SniffedFormat.Unknown:
                throw new ImageRejectedException(ImageRejectReason.NotAnImage, "not an image: the content is not JPEG, PNG, GIF, WebP or BMP");
            case SniffedFormat.Tiff:
                throw new ImageRejectedException(ImageRejectReason.UnsupportedFormat, "TIFF is not supported — export as JPEG or PNG");
        }

        using var data = CopyToSkData(file);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            throw format switch
            {
                SniffedFormat.Heic => new ImageRejectedException(ImageRejectReason.UnsupportedFormat, "HEIC is not supported — export as JPEG or PNG"),
                SniffedFormat.Avif => new ImageRejectedException(ImageRejectReason.UnsupportedFormat, "AVIF is not supported — export as JPEG or PNG"),
                _ => new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, $"corrupt or incomplete image: the {FormatName(format)} header cannot be read"),
            };
        }

        var info = codec.Info;
        var origin = codec.EncodedOrigin;
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var width = swap ? info.Height : info.Width;
        var height = swap ? info.Width : info.Height;
        CheckDimensions(width, height);

        // Hold the header-declared pixels before any pixel buffer exists; parallel decodes beyond the budget wait here.
        using var lease = Budget.Acquire(Math.Min((long)info.Width * info.Height, Budget.CapacityPixels));
        var rgba = new byte[checked(info.Width * info.Height * 4)];
        bool hasAlpha;
        if (format == SniffedFormat.Png && Png16Decoder.IsSixteenBit(file))
        {
            // Skia would keep only the high byte of each 16-bit sample; Png16Decoder rounds (v·255 + 32767) / 65535.
            if (!Png16Decoder.TryDecode(file, rgba, out hasAlpha))
            {
                throw new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, "corrupt or incomplete image: the png data ends early or is damaged");
            }
        }
        else
        {
            var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            SKCodecResult result;
            unsafe
            {
                fixed (byte* p = rgba)
                {
                    result = codec.GetPixels(target, (IntPtr)p, target.RowBytes, new SKCodecOptions(0));
                }
            }
            if (result != SKCodecResult.Success)
            {
                throw new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, $"corrupt or incomplete image: the {FormatName(format)} data ends early or is damaged ({result})");
            }
            hasAlpha = info.AlphaType != SKAlphaType.Opaque;
        }

        var rgb = new byte[checked(width * height * 3)];
        Orient(rgba, info.Width, info.Height, origin, rgb, hasAlpha);
        return new RgbImage(width, height, rgb, FormatName(format));
    }

    /// <summary>Reads only the header: the upright size and the sniffed format, with the same checks as <see cref="Decode"/> but no pixel decoding.</summary>
    /// <param name="file">The file bytes (the header suffices).</param>
    /// <returns>Upright width and height in pixels and the format name.</returns>
    /// <exception cref="ImageRejectedException">As for <see cref="Decode"/>, except truncated pixel data.</exception>
    public (int Width, int Height, string Format) ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.IsEmpty)
        {
            throw new ImageRejectedException(ImageRejectReason.EmptyFile, "empty file: the upload contains no bytes");
        }
        var format = ImageFormatSniffer.Sniff(file);
        if (format == SniffedFormat.Unknown)
        {
            throw new ImageRejectedException(ImageRejectReason.NotAnImage, "not an image: the content is not JPEG, PNG, GIF, WebP or BMP");
        }
        using var data = CopyToSkData(file);
        using var codec = SKCodec.Create(data) ?? throw new ImageRejectedException(
            format == SniffedFormat.Heic ? ImageRejectReason.UnsupportedFormat : ImageRejectReason.CorruptOrIncomplete,
            format == SniffedFormat.Heic ? "HEIC is not supported — export as JPEG or PNG" : "corrupt or incomplete image: the header cannot be read");
        var swap = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (w, h) = swap ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
        CheckDimensions(w, h);
        return (w, h, FormatName(format));
    }

    private void CheckDimensions(int width, int height)
    {
        if (width < _options.MinImageSide || height < _options.MinImageSide)
        {
            throw new ImageRejectedException(ImageRejectReason.ImageTooSmall,
                string.Create(CultureInfo.InvariantCulture, $"image too small (minimum {_options.MinImageSide}×{_options.MinImageSide}): it is {width}×{height} pixels"));
        }
        var megapixels = (double)width * height / 1e6;
        if (megapixels > _options.MaxMegapixels || width > _options.MaxImageSide || height > _options.MaxImageSide)
        {
            throw new ImageRejectedException(ImageRejectReason.ImageTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"image too large: {width}×{height} pixels ({megapixels:0.#} megapixels; the maximum is {_options.MaxMegapixels:0.#} megapixels and {_options.MaxImageSide} pixels a side)"));
        }
    }

    private static unsafe SKData CopyToSkData(ReadOnlySpan<byte> file)
    {
        fixed (byte* p = file)
        {
            return SKData.CreateCopy((IntPtr)p, (ulong)file.Length);
        }
    }

    /// <summary>Converts RGBA (unpremultiplied) to upright RGB: composites alpha on <see cref="Background"/> and applies the EXIF origin.</summary>
    private static void Orient(byte[] rgba, int srcWidth, int srcHeight, SKEncodedOrigin origin, byte[] rgb, bool hasAlpha)
    {
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var width = swap ? srcHeight : srcWidth;
        var height = swap ? srcWidth : srcHeight;
        // For each upright pixel (x, y) the stored pixel is (sx, sy) = base + x * dx + y * dy (in stored pixel units).
        // Worked out per origin: the stored image must be transformed by the origin to be displayed upright.
        int sx0, sy0, sxPerX, syPerX, sxPerY, syPerY;
        switch (origin)
        {
            case SKEncodedOrigin.TopRight: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (srcWidth - 1, 0, -1, 0, 0, 1); break;
            case SKEncodedOrigin.BottomRight: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (srcWidth - 1, srcHeight - 1, -1, 0, 0, -1); break;
            case SKEncodedOrigin.BottomLeft: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (0, srcHeight - 1, 1, 0, 0, -1); break;
            case SKEncodedOrigin.LeftTop: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (0, 0, 0, 1, 1, 0); break;
            case SKEncodedOrigin.RightTop: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (0, srcHeight - 1, 0, -1, 1, 0); break;
            case SKEncodedOrigin.RightBottom: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (srcWidth - 1, srcHeight - 1, 0, -1, -1, 0); break;
            case SKEncodedOrigin.LeftBottom: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (srcWidth - 1, 0, 0, 1, -1, 0); break;
            default: (sx0, sy0, sxPerX, syPerX, sxPerY, syPerY) = (0, 0, 1, 0, 0, 1); break;
        }
        var stepPerX = (syPerX * srcWidth + sxPerX) * 4;
        for (var y = 0; y < height; y++)
        {
            var s = ((sy0 + (y * syPerY)) * srcWidth + sx0 + (y * sxPerY)) * 4;
            var d = y * width * 3;
            if (hasAlpha)
            {
                for (var x = 0; x < width; x++, s += stepPerX, d += 3)
                {
                    int a = rgba[s + 3];
                    var inv = (255 - a) * Background;
                    rgb[d] = (byte)(((rgba[s] * a) + inv + 127) / 255);
                    rgb[d + 1] = (byte)(((rgba[s + 1] * a) + inv + 127) / 255);
                    rgb[d + 2] = (byte)(((rgba[s + 2] * a) + inv + 127) / 255);
                }
            }
            else
            {
                for (var x = 0; x < width; x++, s += stepPerX, d += 3)
                {
                    rgb[d] = rgba[s];
                    rgb[d + 1] = rgba[s + 1];
                    rgb[d + 2] = rgba[s + 2];
                }
            }
        }
    }

    private static string FormatMegabytes(long bytes)
    {
        var mb = bytes / (1024.0 * 1024.0);
        return mb.ToString(mb == Math.Floor(mb) ? "0" : "0.#", CultureInfo.InvariantCulture);
    }

    private static string FormatName(SniffedFormat format) => format switch
    {
        SniffedFormat.Jpeg => "jpeg",
        SniffedFormat.Png => "png",
        SniffedFormat.Gif => "gif",
        SniffedFormat.Webp => "webp",
        SniffedFormat.Bmp => "bmp",
        SniffedFormat.Ico => "ico",
        SniffedFormat.Heic => "heic",
        SniffedFormat.Avif => "avif",
        SniffedFormat.Tiff => "tiff",
        _ => "unknown",
    };
}
