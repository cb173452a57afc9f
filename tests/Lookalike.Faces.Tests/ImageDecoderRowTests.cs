using Lookalike.Faces;
using Lookalike.Faces.Decoding;
using SkiaSharp;

namespace Lookalike.Faces.Tests;

/// <summary>
/// The row-by-row decode (JPEG and 8-bit PNG go through one RGBA row at a time): every EXIF orientation exact against
/// the textbook definitions, and truncated data refused rather than decoded with a blank bottom.
/// </summary>
public sealed class ImageDecoderRowTests
{
    private const int W = 40;
    private const int H = 24;
    private readonly ImageDecoder _decoder = new(new FaceOptions { MinImageSide = 8 });

    /// <summary>Upright (x, y) ← stored pixel, per EXIF orientation 1–8 (TIFF 6.0 / Exif 2.3 tag 0x0112).</summary>
    private static (int Sx, int Sy) Stored(int orientation, int x, int y) => orientation switch
    {
        1 => (x, y),
        2 => (W - 1 - x, y),
        3 => (W - 1 - x, H - 1 - y),
        4 => (x, H - 1 - y),
        5 => (y, x),
        6 => (y, H - 1 - x),
        7 => (W - 1 - y, H - 1 - x),
        8 => (W - 1 - y, x),
        _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Decode_JpegWithExifOrientation_EqualsTheStoredPixelsTransformed(int orientation)
    {
        // Arrange: the same JPEG without and with an orientation tag (the stored pixels are then identical)
        var jpeg = Gradient().Encode(SKEncodedImageFormat.Jpeg, 95).ToArray();
        var stored = _decoder.Decode(jpeg);
        Assert.Equal((W, H), (stored.Width, stored.Height));

        // Act
        var image = _decoder.Decode(WithExifOrientation(jpeg, orientation));

        // Assert
        var swap = orientation >= 5;
        Assert.Equal(swap ? (H, W) : (W, H), (image.Width, image.Height));
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var (sx, sy) = Stored(orientation, x, y);
                for (var c = 0; c < 3; c++)
                {
                    var expected = stored.Pixels[(((sy * W) + sx) * 3) + c];
                    var actual = image.Pixels[(((y * image.Width) + x) * 3) + c];
                    Assert.True(expected == actual, $"orientation {orientation}: pixel ({x}, {y}) channel {c} is {actual}, stored ({sx}, {sy}) is {expected}");
                }
            }
        }
    }

    [Fact]
    public void Decode_PngOpaqueAndWithAlpha_ExactPixels()
    {
        // Arrange: a lossless PNG of the gradient, opaque, and one with a half-transparent pixel
        using var bitmap = Gradient();
        bitmap.SetPixel(3, 2, new SKColor(10, 20, 30, 128));
        var png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();

        // Act
        var image = _decoder.Decode(png);

        // Assert: (x, y) as drawn; the translucent pixel composited on white: (v·a + 255·(255 − a) + 127) / 255
        Assert.Equal((W, H), (image.Width, image.Height));
        Assert.Equal(new byte[] { 7 * 6, 5 * 10, 200 }, image.Pixels.AsSpan(((5 * W) + 7) * 3, 3).ToArray());
        Assert.Equal(new byte[] { 132, 137, 142 }, image.Pixels.AsSpan(((2 * W) + 3) * 3, 3).ToArray());
    }

    [Fact]
    public void Decode_TruncatedPng_RejectedAsCorrupt()
    {
        // Arrange: a noisy 8-bit PNG (so its data spans the whole file) cut to 60 % of its bytes
        using var bitmap = new SKBitmap(new SKImageInfo(200, 200, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var random = new Random(7);
        for (var y = 0; y < 200; y++)
        {
            for (var x = 0; x < 200; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }
        var png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(png.AsSpan(0, png.Length * 6 / 10)));

        // Assert
        Assert.Equal(ImageRejectReason.CorruptOrIncomplete, ex.Reason);
        Assert.Contains("ends early or is damaged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_GivesItsPixelsBackToTheBudget_EvenWhenRejected()
    {
        // Arrange
        using var bitmap = Gradient();
        var png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();

        // Act
        _decoder.Decode(png);
        Assert.Throws<ImageRejectedException>(() => _decoder.Decode(png.AsSpan(0, png.Length - 30)));

        // Assert
        Assert.Equal(0, _decoder.Budget.PixelsInUse);
        Assert.Equal(0, _decoder.Budget.Holders);
    }

    /// <summary>A W×H image whose pixel (x, y) is (6x, 10y, 200): every position tells its coordinates.</summary>
    private static SKBitmap Gradient()
    {
        var bitmap = new SKBitmap(new SKImageInfo(W, H, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < H; y++)
        {
            for (var x = 0; x < W; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(6 * x), (byte)(10 * y), 200));
            }
        }
        return bitmap;
    }

    /// <summary>Inserts an Exif APP1 segment (little-endian TIFF, one IFD entry: Orientation = <paramref name="orientation"/>) after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, // header, IFD0 at offset 8
            1, 0, // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, // 0x0112 SHORT ×1
            0, 0, 0, 0, // no next IFD
        ];
        var payload = new byte[6 + tiff.Length];
        "Exif\0\0"u8.CopyTo(payload);
        tiff.CopyTo(payload, 6);
        var length = payload.Length + 2;
        var result = new List<byte>(jpeg.Length + length + 2) { 0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length };
        result.AddRange(payload);
        result.AddRange(jpeg.AsSpan(2).ToArray());
        return [.. result];
    }
}
