using System.Buffers.Binary;
using System.IO.Compression;

namespace Lookalike.Faces.Tests;

/// <summary>Writes minimal, valid PNG files (IHDR, one IDAT, IEND; filter 0 on every row) for decoder tests.</summary>
internal static class TestPng
{
    /// <summary>PNG colour type 0: grey.</summary>
    public const byte Grey = 0;

    /// <summary>PNG colour type 2: RGB.</summary>
    public const byte Rgb = 2;

    /// <summary>PNG colour type 6: RGBA.</summary>
    public const byte Rgba = 6;

    /// <summary>A 16-bit PNG of the given samples (row-major, 1, 3 or 4 per pixel after <paramref name="colourType"/>, written big-endian as PNG stores them).</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="colourType"><see cref="Grey"/>, <see cref="Rgb"/> or <see cref="Rgba"/>.</param>
    /// <param name="samples">The samples, row-major.</param>
    /// <param name="interlaced">true: Adam7 interlacing (seven passes, each its own rows).</param>
    public static byte[] Encode16(int width, int height, byte colourType, ReadOnlySpan<ushort> samples, bool interlaced = false)
    {
        var channels = colourType switch { Grey => 1, Rgb => 3, Rgba => 4, _ => throw new ArgumentOutOfRangeException(nameof(colourType)) };
        if (samples.Length != width * height * channels)
        {
            throw new ArgumentException("wrong sample count", nameof(samples));
        }
        (int X, int Y, int Dx, int Dy)[] passes = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        var raw = new List<byte>();
        foreach (var (x0, y0, dx, dy) in passes)
        {
            for (var y = y0; y < height; y += dy)
            {
                if (x0 >= width)
                {
                    continue;
                }
                raw.Add(0); // filter: none
                for (var x = x0; x < width; x += dx)
                {
                    for (var c = 0; c < channels; c++)
                    {
                        var v = samples[(((y * width) + x) * channels) + c];
                        raw.Add((byte)(v >> 8));
                        raw.Add((byte)v);
                    }
                }
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 16; // bit depth
        ihdr[9] = colourType;
        ihdr[12] = interlaced ? (byte)1 : (byte)0;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        s.Write(length);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        s.Write(crc);
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
