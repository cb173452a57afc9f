using Lookalike.Faces.Decoding;
using SkiaSharp;

namespace Lookalike.Faces.Tests;

/// <summary>16-bit PNG samples reduced to 8 bits by rounding, (v·255 + 32767) / 65535, never by keeping the high byte.</summary>
public sealed class SixteenBitPngTests
{
    private const int Side = 64;
    private readonly ImageDecoder _decoder = new(new FaceOptions());

    /// <summary>The 8-bit value nearest to the 16-bit sample <paramref name="v"/> (v / 65535 · 255, rounded half up).</summary>
    private static byte Expected(ushort v) => (byte)(((v * 255) + 32767) / 65535);

    /// <summary>Samples covering the whole 16-bit range (every 257-multiple neighbourhood where v &gt;&gt; 8 and rounding differ) plus the ends.</summary>
    private static ushort[] Samples(int count, int seed)
    {
        var random = new Random(seed);
        var samples = new ushort[count];
        ushort[] edges = [0, 1, 127, 128, 255, 256, 32767, 32768, 65279, 65280, 65407, 65408, 65534, 65535];
        for (var i = 0; i < count; i++)
        {
            samples[i] = i < edges.Length ? edges[i] : (ushort)random.Next(65536);
        }
        return samples;
    }

    [Fact]
    public void Decode_Rgb16Png_RoundsEverySampleByTheFormula()
    {
        // Arrange
        var samples = Samples(Side * Side * 3, seed: 16);
        var png = TestPng.Encode16(Side, Side, TestPng.Rgb, samples);

        // Act
        var image = _decoder.Decode(png);

        // Assert
        Assert.Equal((Side, Side), (image.Width, image.Height));
        var wrong = Enumerable.Range(0, samples.Length).Count(i => image.Pixels[i] != Expected(samples[i]));
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Decode_Grey16Png_RoundsEverySampleByTheFormulaOnAllThreeChannels()
    {
        // Arrange
        var samples = Samples(Side * Side, seed: 17);
        var png = TestPng.Encode16(Side, Side, TestPng.Grey, samples);

        // Act
        var image = _decoder.Decode(png);

        // Assert
        var wrong = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            var e = Expected(samples[i]);
            if (image.Pixels[3 * i] != e || image.Pixels[(3 * i) + 1] != e || image.Pixels[(3 * i) + 2] != e)
            {
                wrong++;
            }
        }
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Decode_Rgba16PngOpaque_RoundsEverySampleByTheFormula()
    {
        // Arrange: every alpha 65535, so compositing on white leaves the colour as rounded
        var samples = Samples(Side * Side * 4, seed: 18);
        for (var i = 3; i < samples.Length; i += 4)
        {
            samples[i] = 65535;
        }
        var png = TestPng.Encode16(Side, Side, TestPng.Rgba, samples);

        // Act
        var image = _decoder.Decode(png);

        // Assert
        var wrong = 0;
        for (var p = 0; p < Side * Side; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                if (image.Pixels[(3 * p) + c] != Expected(samples[(4 * p) + c]))
                {
                    wrong++;
                }
            }
        }
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Decode_Rgb16PngInterlaced_RoundsEverySampleByTheFormula()
    {
        // Arrange: 61×37, so the Adam7 passes have ragged widths and heights
        var samples = Samples(61 * 37 * 3, seed: 19);
        var png = TestPng.Encode16(61, 37, TestPng.Rgb, samples, interlaced: true);

        // Act
        var image = _decoder.Decode(png);

        // Assert
        Assert.Equal((61, 37), (image.Width, image.Height));
        var wrong = Enumerable.Range(0, samples.Length).Count(i => image.Pixels[i] != Expected(samples[i]));
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Decode_Rgba16PngWrittenBySkia_RoundsEverySampleThroughAllRowFilters()
    {
        // Arrange: Skia's encoder picks a row filter per row (Sub, Up, Average, Paeth); a smooth gradient plus noise makes it use several
        var samples = new ushort[Side * Side * 4];
        var random = new Random(20);
        for (var p = 0; p < Side * Side; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                samples[(4 * p) + c] = (ushort)Math.Clamp((p * 16) + (c * 4000) + random.Next(-300, 300), 0, 65535);
            }
            samples[(4 * p) + 3] = 65535;
        }
        byte[] png;
        var info = new SKImageInfo(Side, Side, SKColorType.Rgba16161616, SKAlphaType.Unpremul);
        unsafe
        {
            fixed (ushort* s = samples)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)s, info.RowBytes);
                using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 6)) ?? throw new InvalidOperationException("Skia could not encode the 16-bit PNG");
                png = data.ToArray();
            }
        }
        Assert.Equal(16, png[24]); // a 16-bit PNG indeed

        // Act
        var image = _decoder.Decode(png);

        // Assert
        var wrong = 0;
        for (var p = 0; p < Side * Side; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                if (image.Pixels[(3 * p) + c] != Expected(samples[(4 * p) + c]))
                {
                    wrong++;
                }
            }
        }
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Decode_Rgb16PngTruncated_RejectedAsCorrupt()
    {
        // Arrange: the file cut in the middle of its pixel data
        var png = TestPng.Encode16(Side, Side, TestPng.Rgb, Samples(Side * Side * 3, seed: 21));

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(png.AsSpan(0, png.Length / 2)));

        // Assert
        Assert.Equal(ImageRejectReason.CorruptOrIncomplete, ex.Reason);
    }
}
