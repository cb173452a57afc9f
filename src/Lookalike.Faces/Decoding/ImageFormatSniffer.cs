namespace Lookalike.Faces.Decoding;

/// <summary>Image formats recognised from their magic bytes.</summary>
internal enum SniffedFormat { Unknown, Jpeg, Png, Gif, Webp, Bmp, Ico, Heic, Avif, Tiff }

/// <summary>Recognises the image format from the first bytes of a file (never from its name).</summary>
internal static class ImageFormatSniffer
{
    public static SniffedFormat Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0xD8)
        {
            return SniffedFormat.Jpeg;
        }
        if (b.Length >= 8 && b[..8].SequenceEqual(PngMagic))
        {
            return SniffedFormat.Png;
        }
        if (b.Length >= 6 && (b[..6].SequenceEqual("GIF87a"u8) || b[..6].SequenceEqual("GIF89a"u8)))
        {
            return SniffedFormat.Gif;
        }
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return SniffedFormat.Webp;
        }
        if (b.Length >= 14 && b[0] == (byte)'B' && b[1] == (byte)'M')
        {
            return SniffedFormat.Bmp;
        }
        if (b.Length >= 6 && b[0] == 0 && b[1] == 0 && b[2] == 1 && b[3] == 0 && b[4] != 0)
        {
            return SniffedFormat.Ico;
        }
        if (b.Length >= 4 && ((b[0] == (byte)'I' && b[1] == (byte)'I' && b[2] == 42 && b[3] == 0) || (b[0] == (byte)'M' && b[1] == (byte)'M' && b[2] == 0 && b[3] == 42)))
        {
            return SniffedFormat.Tiff;
        }
        if (b.Length >= 12 && b.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            var brand = b.Slice(8, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
            {
                return SniffedFormat.Avif;
            }
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8)
                || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8))
            {
                return SniffedFormat.Heic;
            }
        }
        return SniffedFormat.Unknown;
    }

    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
