using System.Globalization;
using System.Text;

namespace Lookalike.Faces.Evaluation;

/// <summary>
/// A descriptor cache file as <see cref="LfwVerification.RunModels"/> (<c>eval-lfw --descriptors-out</c>) and
/// <see cref="LfwVerification.DescribeIdentities"/> write it: UTF-8 line <see cref="LfwVerification.DescriptorCacheMagic"/>,
/// a line <c>images dlibDim mfnDim</c> (0 for a model not run), one line per image <c>key person</c>, then little-endian
/// float32 [images, dlibDim] followed by [images, mfnDim]. Descriptors are flip-averaged: dlib's unnormalised (norm about
/// 1), MobileFaceNet's of unit length.
/// </summary>
/// <param name="Keys">Image keys (LFW: <c>Name_NNNN</c>; CelebA: the file name), one per image.</param>
/// <param name="Persons">The identity of each image.</param>
/// <param name="Dlib">Row-major float[images, <paramref name="DlibDimension"/>].</param>
/// <param name="DlibDimension">128, or 0 when dlib was not run.</param>
/// <param name="MobileFaceNet">Row-major float[images, <paramref name="MobileFaceNetDimension"/>].</param>
/// <param name="MobileFaceNetDimension">192, or 0 when MobileFaceNet was not run.</param>
public sealed record DescriptorCache(IReadOnlyList<string> Keys, IReadOnlyList<string> Persons, float[] Dlib, int DlibDimension, float[] MobileFaceNet, int MobileFaceNetDimension)
{
    /// <summary>Number of images.</summary>
    public int Count => Keys.Count;

    /// <summary>The fused descriptors (<see cref="FacePipeline.Fuse"/>: L2[dlib] ++ L2[MobileFaceNet], re-normalised), row-major float[images, dlibDim + mfnDim].</summary>
    /// <exception cref="InvalidOperationException">One of the two models was not run.</exception>
    public float[] Fused() => DlibDimension > 0 && MobileFaceNetDimension > 0
        ? FacePipeline.Fuse(Dlib, DlibDimension, MobileFaceNet, MobileFaceNetDimension)
        : throw new InvalidOperationException("The cache does not hold both dlib and MobileFaceNet descriptors.");

    /// <summary>Reads a cache file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The descriptors with their keys and persons.</returns>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The magic, the header or the length is wrong.</exception>
    public static DescriptorCache Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("Descriptor cache not found.", path);
        }
        var bytes = File.ReadAllBytes(path);
        var pos = 0;
        string Line()
        {
            var end = Array.IndexOf(bytes, (byte)'\n', pos);
            if (end < 0)
            {
                throw new InvalidDataException($"{path}: truncated header.");
            }
            var s = Encoding.UTF8.GetString(bytes, pos, end - pos);
            pos = end + 1;
            return s;
        }
        if (Line() != LfwVerification.DescriptorCacheMagic)
        {
            throw new InvalidDataException($"{path}: not a descriptor cache (magic {LfwVerification.DescriptorCacheMagic} expected).");
        }
        var h = Line().Split(' ');
        if (h.Length != 3 || !int.TryParse(h[0], CultureInfo.InvariantCulture, out var n) || !int.TryParse(h[1], CultureInfo.InvariantCulture, out var dd)
            || !int.TryParse(h[2], CultureInfo.InvariantCulture, out var dm) || n < 0 || dd < 0 || dm < 0)
        {
            throw new InvalidDataException($"{path}: the second line must be 'images dlibDim mfnDim'.");
        }
        var keys = new string[n];
        var persons = new string[n];
        for (var i = 0; i < n; i++)
        {
            var l = Line();
            var sp = l.IndexOf(' ', StringComparison.Ordinal);
            if (sp <= 0)
            {
                throw new InvalidDataException($"{path}: image line {i + 1} must be 'key person'.");
            }
            keys[i] = l[..sp];
            persons[i] = l[(sp + 1)..];
        }
        long expected = pos + (4L * n * (dd + dm));
        if (bytes.LongLength != expected)
        {
            throw new InvalidDataException($"{path}: {bytes.LongLength} bytes, expected {expected} for {n} images of {dd} + {dm} floats.");
        }
        var dlib = new float[n * dd];
        var mfn = new float[n * dm];
        Buffer.BlockCopy(bytes, pos, dlib, 0, dlib.Length * 4);
        Buffer.BlockCopy(bytes, pos + (dlib.Length * 4), mfn, 0, mfn.Length * 4);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Descriptor caches are little-endian.");
        }
        return new DescriptorCache(keys, persons, dlib, dd, mfn, dm);
    }

    /// <summary>Writes a cache file (to a temporary file, then renamed).</summary>
    /// <exception cref="ArgumentException">A key is empty or holds a space or line break, or a person holds a line break.</exception>
    internal static void Write(string path, IReadOnlyList<string> keys, IReadOnlyList<string> persons, float[] dlib, int dd, float[] mfn, int dm)
    {
        if (keys.Any(k => k.Length == 0 || k.AsSpan().IndexOfAny(' ', '\n', '\r') >= 0) || persons.Any(p => p.AsSpan().IndexOfAny('\n', '\r') >= 0))
        {
            throw new ArgumentException("Cache keys must be non-empty without spaces or line breaks, persons without line breaks.", nameof(keys));
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            var header = new StringBuilder();
            header.Append(LfwVerification.DescriptorCacheMagic).Append('\n');
            header.Append(CultureInfo.InvariantCulture, $"{keys.Count} {dd} {dm}\n");
            for (var i = 0; i < keys.Count; i++)
            {
                header.Append(keys[i]).Append(' ').Append(persons[i]).Append('\n');
            }
            writer.Write(Encoding.UTF8.GetBytes(header.ToString()));
            foreach (var x in dlib)
            {
                writer.Write(x);
            }
            foreach (var x in mfn)
            {
                writer.Write(x);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
