using System.Buffers.Binary;
using System.IO.Compression;

namespace Lookalike.Faces.Decoding;

/// <summary>
/// Decodes the pixels of a 16-bit PNG (colour types 0, 2, 4, 6; plain or Adam7-interlaced) to 8-bit RGBA, rounding each
/// sample to the nearest 8-bit value: (v·255 + 32767) / 65535 (PNG specification, 3rd ed., §13.12 "Sample depth
/// rescaling"). SkiaSharp decodes 16-bit PNGs to 8 bits by keeping the high byte (v &gt;&gt; 8, wrong for about a quarter
/// of random samples) and offers no exact 16-bit target, so these files are decoded here; Skia still reads the header.
/// </summary>
/// <remarks>
/// Follows the PNG specification: chunks with CRC-32, all IDAT chunks concatenated into one zlib stream, the five row
/// filters (None, Sub, Up, Average, Paeth) on 16-bit samples (bpp = 2 × channels bytes), a tRNS key colour (grey or RGB
/// value that becomes transparent). Colour chunks (gAMA, iCCP, sRGB) are ignored, as the Skia path ignores them.
/// </remarks>
internal static class Png16Decoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>(x start, y start, x step, y step) of the seven Adam7 passes.</summary>
    private static readonly (int X, int Y, int Dx, int Dy)[] Adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>true when a PNG's IHDR (always the first chunk, at byte 8) declares 16 bits per sample.</summary>
    public static bool IsSixteenBit(ReadOnlySpan<byte> file) =>
        file.Length > 24 && file.Slice(12, 4).SequenceEqual("IHDR"u8) && file[24] == 16;

    /// <summary>Rounds a 16-bit sample to the nearest 8-bit value, exactly.</summary>
    public static byte Round(int v) => (byte)(((v * 255) + 32767) / 65535);

    /// <summary>Decodes the pixels into <paramref name="rgba"/>: row-major [height, width, 4] unpremultiplied RGBA bytes, as stored (no orientation).</summary>
    /// <param name="file">The complete PNG file.</param>
    /// <param name="rgba">Destination of length width × height × 4 (the size from the header).</param>
    /// <param name="hasAlpha">true when the image has an alpha channel or a tRNS key colour.</param>
    /// <returns>false when the file is corrupt or truncated (bad chunk, CRC, zlib data, filter, or too few bytes).</returns>
    public static bool TryDecode(ReadOnlySpan<byte> file, Span<byte> rgba, out bool hasAlpha)
    {
        hasAlpha = false;
        if (!IsSixteenBit(file))
        {
            return false;
        }
        int width = 0, height = 0, colourType = -1, interlace = 0;
        int[]? key = null;
        using var compressed = new MemoryStream();
        var pos = 8;
        var ended = false;
        while (!ended)
        {
            if (pos + 12 > file.Length)
            {
                return false;
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(file[pos..]);
            if (length > (uint)(file.Length - pos - 12))
            {
                return false;
            }
            var typeAndData = file.Slice(pos + 4, 4 + (int)length);
            var data = typeAndData[4..];
            if (Crc32(typeAndData) != BinaryPrimitives.ReadUInt32BigEndian(file[(pos + 8 + (int)length)..]))
            {
                return false;
            }
            switch (System.Text.Encoding.ASCII.GetString(typeAndData[..4]))
            {
                case "IHDR" when data.Length == 13:
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    colourType = data[9];
                    interlace = data[12];
                    break;
                case "tRNS" when colourType == 0 && data.Length >= 2:
                    key = [BinaryPrimitives.ReadUInt16BigEndian(data)];
                    break;
                case "tRNS" when colourType == 2 && data.Length >= 6:
                    key = [BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]), BinaryPrimitives.ReadUInt16BigEndian(data[4..])];
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                case "IEND":
                    ended = true;
                    break;
            }
            pos += 12 + (int)length;
        }
        var channels = colourType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || interlace > 1 || width <= 0 || height <= 0 || rgba.Length != (long)width * height * 4)
        {
            return false;
        }
        hasAlpha = colourType is 4 or 6 || key is not null;
        compressed.Position = 0;
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            var passes = interlace == 1 ? Adam7 : [(0, 0, 1, 1)];
            var bpp = 2 * channels;
            foreach (var (x0, y0, dx, dy) in passes)
            {
                var pw = (width - x0 + dx - 1) / dx;
                var ph = (height - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0)
                {
                    continue;
                }
                var rowBytes = pw * bpp;
                var previous = new byte[rowBytes];
                var row = new byte[rowBytes + 1];
                for (var r = 0; r < ph; r++)
                {
                    if (!ReadExactly(z, row) || !Unfilter(row[0], row.AsSpan(1), previous, bpp))
                    {
                        return false;
                    }
                    var line = row.AsSpan(1);
                    var y = y0 + (r * dy);
                    for (var i = 0; i < pw; i++)
                    {
                        var d = ((y * width) + x0 + (i * dx)) * 4;
                        Store(line.Slice(i * bpp, bpp), colourType, key, rgba.Slice(d, 4));
                    }
                    line.CopyTo(previous);
                }
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }
        return true;
    }

    private static void Store(ReadOnlySpan<byte> px, int colourType, int[]? key, Span<byte> dst)
    {
        switch (colourType)
        {
            case 0:
                var g = S(px, 0);
                dst[0] = dst[1] = dst[2] = Round(g);
                dst[3] = key is not null && key[0] == g ? (byte)0 : (byte)255;
                break;
            case 2:
                int r = S(px, 0), gg = S(px, 1), b = S(px, 2);
                (dst[0], dst[1], dst[2]) = (Round(r), Round(gg), Round(b));
                dst[3] = key is not null && key[0] == r && key[1] == gg && key[2] == b ? (byte)0 : (byte)255;
                break;
            case 4:
                dst[0] = dst[1] = dst[2] = Round(S(px, 0));
                dst[3] = Round(S(px, 1));
                break;
            default:
                (dst[0], dst[1], dst[2], dst[3]) = (Round(S(px, 0)), Round(S(px, 1)), Round(S(px, 2)), Round(S(px, 3)));
                break;
        }
    }

    private static int S(ReadOnlySpan<byte> px, int i) => BinaryPrimitives.ReadUInt16BigEndian(px[(2 * i)..]);

    /// <summary>Reverses one row's filter in place (PNG specification §9.2); false for an unknown filter type.</summary>
    private static bool Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (var i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }
                return true;
            case 2:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += previous[i];
                }
                return true;
            case 3:
                for (var i = 0; i < row.Length; i++)
                {
                    var left = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((left + previous[i]) >> 1);
                }
                return true;
            case 4:
                for (var i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                return true;
            default:
                return false;
        }
    }

    private static bool ReadExactly(Stream s, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = s.Read(buffer);
            if (n == 0)
            {
                return false;
            }
            buffer = buffer[n..];
        }
        return true;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
