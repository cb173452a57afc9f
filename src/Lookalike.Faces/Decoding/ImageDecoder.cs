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
        var image = DecodeHolding(file, out var lease);
        lease.Dispose();
        return image;
    }

    /// <summary>
    /// As <see cref="Decode"/>, but the image's pixels stay held from <see cref="Budget"/> until the caller disposes
    /// <paramref name="lease"/>: the pipeline holds them while it detects and embeds, so that no more than the budget's
    /// pixels exist at once even after decoding.
    /// </summary>
    /// <param name="file">The complete file bytes.</param>
    /// <param name="lease">On success, the pixels held for the image; the caller must dispose it.</param>
    /// <returns>The upright RGB image.</returns>
    /// <exception cref="ImageRejectedException">As for <see cref="Decode"/> (nothing is held then).</exception>
    internal RgbImage DecodeHolding(ReadOnlySpan<byte> file, out DecodeBudget.Lease lease)
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
        var held = Budget.Acquire(Math.Min((long)info.Width * info.Height, Budget.CapacityPixels));
        try
        {
            var image = DecodePixels(file, format, codec, info, origin, width, height);
            lease = held;
            return image;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static RgbImage DecodePixels(ReadOnlySpan<byte> file, SniffedFormat format, SKCodec codec, SKImageInfo info, SKEncodedOrigin origin, int width, int height)
    {
        var rgb = new byte[checked(width * height * 3)];
        var orient = new RowOrienter(info.Width, info.Height, origin);
        var sixteenBit = format == SniffedFormat.Png && Png16Decoder.IsSixteenBit(file);
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var hasAlpha = info.AlphaType != SKAlphaType.Opaque;
        if (!sixteenBit && format is SniffedFormat.Jpeg or SniffedFormat.Png
            && codec.StartScanlineDecode(target) == SKCodecResult.Success && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
        {
            // Row by row through one RGBA row buffer: the full-size RGBA copy never exists, so a decode holds
            // 3 bytes per pixel (the result) instead of 7.
            using var row = new NativePixelBuffer(checked(info.Width * 4));
            for (var sy = 0; sy < info.Height; sy++)
            {
                if (codec.GetScanlines(row.Pointer, 1, target.RowBytes) != 1)
                {
                    throw new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, $"corrupt or incomplete image: the {FormatName(format)} data ends early or is damaged (row {sy} of {info.Height})");
                }
                orient.Write(row.Span, sy, rgb, hasAlpha);
            }
            return new RgbImage(width, height, rgb, FormatName(format));
        }

        // Whole frame: the RGBA scratch lives in native memory, unmapped as soon as the upright RGB copy exists (NativePixelBuffer).
        using var rgba = new NativePixelBuffer(checked(info.Width * info.Height * 4));
        if (sixteenBit)
        {
            // Skia would keep only the high byte of each 16-bit sample; Png16Decoder rounds (v·255 + 32767) / 65535.
            if (!Png16Decoder.TryDecode(file, rgba.Span, out hasAlpha))
            {
                throw new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, "corrupt or incomplete image: the png data ends early or is damaged");
            }
        }
        else
        {
            var result = codec.GetPixels(target, rgba.Pointer, target.RowBytes, new SKCodecOptions(0));
            if (result != SKCodecResult.Success)
            {
                throw new ImageRejectedException(ImageRejectReason.CorruptOrIncomplete, $"corrupt or incomplete image: the {FormatName(format)} data ends early or is damaged ({result})");
            }
        }
        var all = rgba.Span;
        var rowBytes = info.Width * 4;
        for (var sy = 0; sy < info.Height; sy++)
        {
            orient.Write(all.Slice(sy * rowBytes, rowBytes), sy, rgb, hasAlpha);
        }
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

    /// <summary>
    /// Converts stored RGBA rows (unpremultiplied) to upright RGB: composites alpha on <see cref="Background"/> and
    /// applies the EXIF origin, one stored row at a time (a stored row is an upright row, or an upright column when the
    /// origin swaps the axes).
    /// </summary>
    private readonly struct RowOrienter
    {
        private readonly int _srcWidth;
        private readonly int _width;
        private readonly bool _swap;
        // Upright (x, y) of stored pixel (sx, sy): the fixed coordinate is a0 + sy·aPerRow, the running one b0 + sx·bPerPixel.
        private readonly int _a0, _aPerRow, _b0, _bPerPixel;

        public RowOrienter(int srcWidth, int srcHeight, SKEncodedOrigin origin)
        {
            _srcWidth = srcWidth;
            _swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
            _width = _swap ? srcHeight : srcWidth;
            var height = _swap ? srcWidth : srcHeight;
            // Worked out per origin: the stored image must be transformed by the origin to be displayed upright.
            // Without a swap a stored row sy is upright row y = a0 + sy·aPerRow, its pixel sx upright column x = b0 + sx·bPerPixel;
            // with a swap a stored row is upright column x = a0 + sy·aPerRow, its pixel sx upright row y = b0 + sx·bPerPixel.
            (_a0, _aPerRow, _b0, _bPerPixel) = origin switch
            {
                SKEncodedOrigin.TopRight => (0, 1, srcWidth - 1, -1),
                SKEncodedOrigin.BottomRight => (height - 1, -1, srcWidth - 1, -1),
                SKEncodedOrigin.BottomLeft => (height - 1, -1, 0, 1),
                SKEncodedOrigin.LeftTop => (0, 1, 0, 1),
                SKEncodedOrigin.RightTop => (_width - 1, -1, 0, 1),
                SKEncodedOrigin.RightBottom => (_width - 1, -1, height - 1, -1),
                SKEncodedOrigin.LeftBottom => (0, 1, height - 1, -1),
                _ => (0, 1, 0, 1),
            };
        }

        /// <summary>Writes stored row <paramref name="sy"/> (<c>byte[srcWidth × 4]</c> RGBA) into <paramref name="rgb"/> (row-major <c>[height, width, 3]</c>).</summary>
        public void Write(ReadOnlySpan<byte> row, int sy, Span<byte> rgb, bool hasAlpha)
        {
            var a = _a0 + (sy * _aPerRow);
            // Byte offset in rgb of the upright pixel of stored pixel 0, and the step per stored pixel.
            int d, step;
            if (_swap)
            {
                d = ((_b0 * _width) + a) * 3;
                step = _bPerPixel * _width * 3;
            }
            else
            {
                d = ((a * _width) + _b0) * 3;
                step = _bPerPixel * 3;
            }
            if (hasAlpha)
            {
                for (var sx = 0; sx < _srcWidth; sx++, d += step)
                {
                    var s = sx * 4;
                    int alpha = row[s + 3];
                    var inv = (255 - alpha) * Background;
                    rgb[d] = (byte)(((row[s] * alpha) + inv + 127) / 255);
                    rgb[d + 1] = (byte)(((row[s + 1] * alpha) + inv + 127) / 255);
                    rgb[d + 2] = (byte)(((row[s + 2] * alpha) + inv + 127) / 255);
                }
            }
            else
            {
                for (var sx = 0; sx < _srcWidth; sx++, d += step)
                {
                    var s = sx * 4;
                    rgb[d] = row[s];
                    rgb[d + 1] = row[s + 1];
                    rgb[d + 2] = row[s + 2];
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
