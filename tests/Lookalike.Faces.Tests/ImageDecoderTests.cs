using System.Diagnostics;
using Lookalike.Faces;
using Lookalike.Faces.Decoding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>The image cases of ../shared/bugs/LOG.md (B01–B14) at the decoder level.</summary>
public sealed class ImageDecoderTests
{
    private readonly ImageDecoder _decoder = new(new FaceOptions());

    private static byte[] Input(string name) => File.ReadAllBytes(Path.Combine(TestPaths.BugInputs, name));

    [SharedDataFact("bugs/inputs")]
    public void Decode_ExifOrientations_GiveTheUprightControl()
    {
        // Arrange
        var control = _decoder.Decode(Input("b01_upright_control.jpg"));

        foreach (var name in new[] { "b01_exif_orient6.jpg", "b01_exif_orient8.jpg", "b01_exif_orient3.jpg" })
        {
            // Act
            var image = _decoder.Decode(Input(name));

            // Assert: upright 512×600 and the same pixels as the control (up to JPEG re-encoding noise)
            Assert.Equal((512, 600), (image.Width, image.Height));
            Assert.Equal((control.Width, control.Height), (image.Width, image.Height));
            Assert.True(MeanAbsoluteDifference(control.Pixels, image.Pixels) < 6, $"{name} is not oriented like the control");
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_GreyAlphaAndPalette_BecomeThreeChannelRgb()
    {
        foreach (var name in new[] { "b03_gray_1channel.jpg", "b04_gray_alpha.png", "b04_palette_8bit.png", "b04_rgba_transparent_bg.png" })
        {
            // Act
            var image = _decoder.Decode(Input(name));

            // Assert
            Assert.Equal(image.Width * image.Height * 3, image.Pixels.Length);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_TransparentPixels_AreCompositedOnWhite()
    {
        // Act
        var image = _decoder.Decode(Input("b04_rgba_transparent_bg.png"));

        // Assert: the top-left corner lies outside the ellipse, so it is fully transparent
        Assert.Equal(new byte[] { 255, 255, 255 }, image.Pixels[..3]);
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_GreyJpeg_ReplicatesGreyToThreeChannels()
    {
        // Act
        var image = _decoder.Decode(Input("b03_gray_1channel.jpg"));

        // Assert
        for (var i = 0; i < image.Pixels.Length; i += 3 * 997)
        {
            Assert.Equal(image.Pixels[i], image.Pixels[i + 1]);
            Assert.Equal(image.Pixels[i], image.Pixels[i + 2]);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_CorruptOrTruncatedJpeg_RejectedQuicklyAsCorrupt()
    {
        foreach (var name in new[] { "b06_soi_then_junk.jpg", "b06_truncated_half.jpg" })
        {
            // Arrange
            var bytes = Input(name);
            var watch = Stopwatch.StartNew();

            // Act
            var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(bytes));

            // Assert
            Assert.Equal(ImageRejectReason.CorruptOrIncomplete, ex.Reason);
            Assert.Contains("corrupt or incomplete image", ex.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_ZeroBytes_RejectedAsEmptyFile()
    {
        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(Input("b06_zero_bytes.jpg")));

        // Assert
        Assert.Equal(ImageRejectReason.EmptyFile, ex.Reason);
        Assert.Contains("empty file", ex.Message, StringComparison.Ordinal);
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_TextOrHtmlUnderImageNames_RejectedAsNotAnImage()
    {
        foreach (var name in new[] { "b08_text_named.jpg", "b08_html_named.png" })
        {
            // Act
            var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(Input(name)));

            // Assert
            Assert.Equal(ImageRejectReason.NotAnImage, ex.Reason);
            Assert.Contains("not an image", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("<", ex.Message, StringComparison.Ordinal);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_PngNamedJpg_DecodesByContent()
    {
        // Act
        var image = _decoder.Decode(Input("b08_png_content_named.jpg"));

        // Assert
        Assert.Equal("png", image.Format);
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_Heic_RejectedWithFormatNamedWithinTwoSeconds()
    {
        foreach (var name in new[] { "b08_heic_content_named.jpg", "b09_iphone_style.heic" })
        {
            // Arrange
            var watch = Stopwatch.StartNew();

            // Act
            var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(Input(name)));

            // Assert
            Assert.Equal(ImageRejectReason.UnsupportedFormat, ex.Reason);
            Assert.Equal("HEIC is not supported — export as JPEG or PNG", ex.Message);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_WebP_Decodes()
    {
        // Act
        var image = _decoder.Decode(Input("b09_webp_face.webp"));

        // Assert
        Assert.Equal("webp", image.Format);
        Assert.True(image.Width >= 32 && image.Height >= 32);
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_AnimatedGif_UsesTheFirstFrame()
    {
        // Act
        var image = _decoder.Decode(Input("b08_animated_gif_face_in_frame2.gif"));

        // Assert: frame 1 is flat grey
        var first = image.Pixels[0];
        Assert.All(image.Pixels.Where((_, i) => i % 101 == 0), p => Assert.InRange(p, first - 2, first + 2));
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_OnePixelImages_RejectedAsTooSmall()
    {
        foreach (var name in new[] { "b10_1x1.png", "b10_1x1.jpg" })
        {
            // Act
            var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(Input(name)));

            // Assert
            Assert.Equal(ImageRejectReason.ImageTooSmall, ex.Reason);
            Assert.Contains("image too small (minimum 32×32)", ex.Message, StringComparison.Ordinal);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Decode_PhoneSizedJpeg_DecodesFully()
    {
        // Act
        var image = _decoder.Decode(Input("b14_phone_size_3000x3516.jpg"));

        // Assert
        Assert.Equal((3000, 3516), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_OverTheFileLimit_RejectedBeforeDecoding()
    {
        // Arrange
        var decoder = new ImageDecoder(new FaceOptions { MaxFileBytes = 10L * 1024 * 1024 });
        var bytes = new byte[11_000_000];
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(bytes));

        // Assert
        Assert.Equal(ImageRejectReason.FileTooLarge, ex.Reason);
        Assert.Contains("file is larger than 10 MB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HeaderAnnouncingTooManyPixels_RejectedFromTheHeader()
    {
        // Arrange: a 1-bit-deep PNG header announcing 20000×20000 pixels, with no pixel data at all
        var decoder = new ImageDecoder(new FaceOptions());
        var png = MakePngHeader(20_000, 20_000);

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        // Assert
        Assert.Equal(ImageRejectReason.ImageTooLarge, ex.Reason);
    }

    [Fact]
    public void Decode_DemoJpeg_IsRgbJpeg()
    {
        // Act
        var image = _decoder.Decode(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg")));

        // Assert
        Assert.Equal("jpeg", image.Format);
        Assert.Equal(image.Width * image.Height * 3, image.Pixels.Length);
    }

    private static double MeanAbsoluteDifference(byte[] a, byte[] b)
    {
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return (double)sum / a.Length;
    }

    private static byte[] MakePngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        var chunk = new List<byte>();
        chunk.AddRange(new byte[] { 0, 0, 0, 13 });
        var typeAndData = "IHDR"u8.ToArray().Concat(ihdr).ToArray();
        chunk.AddRange(typeAndData);
        var crc = Crc32(typeAndData);
        chunk.AddRange(new[] { (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc });
        var idatCrc = Crc32("IDAT"u8.ToArray());
        chunk.AddRange(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'D', (byte)'A', (byte)'T', (byte)(idatCrc >> 24), (byte)(idatCrc >> 16), (byte)(idatCrc >> 8), (byte)idatCrc });
        return [.. new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, .. chunk, 0, 0, 0, 0, .. "IEND"u8.ToArray(), 0xAE, 0x42, 0x60, 0x82];
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
