using SkiaSharp;

namespace Lookalike.Faces.Imaging;

/// <summary>Encodes interleaved RGB bytes as JPEG with SkiaSharp.</summary>
internal static class JpegEncoder
{
    public static unsafe byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height, int quality)
    {
        var rgba = new byte[width * height * 4];
        for (int s = 0, d = 0; d < rgba.Length; s += 3, d += 4)
        {
            rgba[d] = rgb[s];
            rgba[d + 1] = rgb[s + 1];
            rgba[d + 2] = rgb[s + 2];
            rgba[d + 3] = 255;
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        fixed (byte* p = rgba)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)p, info.RowBytes);
            using var data = pixmap.Encode(SKEncodedImageFormat.Jpeg, quality)
                ?? throw new InvalidOperationException("SkiaSharp could not encode the JPEG.");
            return data.ToArray();
        }
    }
}
