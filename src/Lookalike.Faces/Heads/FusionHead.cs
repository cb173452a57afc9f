using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Lookalike.Faces.Heads;

/// <summary>
/// A small trained head on the fused descriptor (<see cref="FacePipeline.Fuse"/>: L2[dlib 128-D] ++ L2[MobileFaceNet
/// 192-D], re-normalised, 320-D): linear, <c>y = W·x</c>, or two-layer, <c>y = W2·ReLU(W1·x + b1)</c>, followed by
/// L2 normalisation, so outputs are unit vectors compared by Euclidean (L2) distance (L2² = 2 − 2·cosine). Trained with
/// the quadruplet loss of W. Chen, X. Chen, J. Zhang, K. Huang, "Beyond triplet loss: a deep quadruplet network for person
/// re-identification", CVPR 2017, eq. 5 (or the triplet loss, eq. 1, for comparison) by
/// <c>Lookalike.Faces.Evaluation.Heads.HeadTrainer</c> (<c>train-head</c>). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// File format (<see cref="Serialize"/>): ASCII <see cref="Magic"/> (8 bytes), little-endian int32 input, hidden (0 =
/// linear) and output dimensions, float32 parameters in <see cref="Parameters"/> order, then the SHA-256 of all the
/// preceding bytes (32 bytes).
/// </remarks>
public sealed class FusionHead
{
    /// <summary>The first 8 bytes of a head file.</summary>
    public const string Magic = "LKHEAD1\n";

    /// <summary>Name of the shipped head as an embedded resource of this assembly.</summary>
    public const string ShippedResource = "Lookalike.Faces.Heads.fusion-head-quadruplet.bin";

    /// <summary>
    /// Lower-case hex SHA-256 of the whole shipped head file (<c>models/heads/fusion-head-quadruplet.bin</c>), checked
    /// by <see cref="LoadShipped"/>. Produced by <c>train-head</c> (README "Descriptor models").
    /// </summary>
    public const string ShippedSha256 = "b2f4e643108a9a1a1c1a55965af2731e70549eecb70b23c1aba8bf9dab325bb9";

    private readonly float[] _parameters;

    /// <summary>Creates a head from its parameters.</summary>
    /// <param name="inputDimension">Input length in floats (320 for the fused descriptor), ≥ 1.</param>
    /// <param name="hiddenDimension">0: linear head; otherwise the width of the ReLU layer.</param>
    /// <param name="outputDimension">Output length in floats, ≥ 1.</param>
    /// <param name="parameters">
    /// Linear: row-major W float[output, input]. Two-layer: W1 float[hidden, input], then b1 float[hidden], then W2
    /// float[output, hidden]. Copied.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length or a value that is not finite.</exception>
    public FusionHead(int inputDimension, int hiddenDimension, int outputDimension, ReadOnlySpan<float> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDimension, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(hiddenDimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputDimension, 1);
        var count = ParameterCount(inputDimension, hiddenDimension, outputDimension);
        if (parameters.Length != count)
        {
            throw new ArgumentException($"A {inputDimension}→{(hiddenDimension > 0 ? hiddenDimension + "→" : "")}{outputDimension} head has {count} parameters, got {parameters.Length}.", nameof(parameters));
        }
        foreach (var p in parameters)
        {
            if (!float.IsFinite(p))
            {
                throw new ArgumentException("A head parameter is not finite.", nameof(parameters));
            }
        }
        InputDimension = inputDimension;
        HiddenDimension = hiddenDimension;
        OutputDimension = outputDimension;
        _parameters = parameters.ToArray();
    }

    /// <summary>Input length in floats (320: the fused descriptor).</summary>
    public int InputDimension { get; }

    /// <summary>Width of the ReLU layer; 0 for a linear head.</summary>
    public int HiddenDimension { get; }

    /// <summary>Output length in floats (unit length).</summary>
    public int OutputDimension { get; }

    /// <summary>The parameters (a copy), in the order of the constructor.</summary>
    public float[] Parameters => (float[])_parameters.Clone();

    /// <summary>Multiply-adds per descriptor (the head's cost on top of the fused descriptor).</summary>
    public int MultiplyAdds => HiddenDimension == 0 ? InputDimension * OutputDimension : (InputDimension * HiddenDimension) + (HiddenDimension * OutputDimension);

    /// <summary>Number of parameters of a head of these dimensions.</summary>
    /// <param name="input">Input dimension.</param>
    /// <param name="hidden">Hidden width (0: linear).</param>
    /// <param name="output">Output dimension.</param>
    public static int ParameterCount(int input, int hidden, int output) => hidden == 0 ? output * input : (hidden * input) + hidden + (output * hidden);

    /// <summary>Applies the head to descriptors.</summary>
    /// <param name="descriptors">Row-major float[n, <see cref="InputDimension"/>] (fused descriptors).</param>
    /// <returns>Row-major float[n, <see cref="OutputDimension"/>], each row of unit length (a row whose output is all zero stays zero).</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="InputDimension"/>.</exception>
    public float[] Apply(ReadOnlySpan<float> descriptors)
    {
        if (descriptors.Length % InputDimension != 0)
        {
            throw new ArgumentException($"{descriptors.Length} floats are not whole {InputDimension}-D descriptors.", nameof(descriptors));
        }
        var n = descriptors.Length / InputDimension;
        var result = new float[n * OutputDimension];
        var hidden = HiddenDimension > 0 ? new float[HiddenDimension] : null;
        for (var i = 0; i < n; i++)
        {
            var x = descriptors.Slice(i * InputDimension, InputDimension);
            var y = result.AsSpan(i * OutputDimension, OutputDimension);
            if (hidden is null)
            {
                MatVec(_parameters, x, y);
            }
            else
            {
                var w1 = _parameters.AsSpan(0, HiddenDimension * InputDimension);
                var b1 = _parameters.AsSpan(w1.Length, HiddenDimension);
                var w2 = _parameters.AsSpan(w1.Length + HiddenDimension);
                MatVec(w1, x, hidden);
                for (var j = 0; j < hidden.Length; j++)
                {
                    hidden[j] = Math.Max(0, hidden[j] + b1[j]);
                }
                MatVec(w2, hidden, y);
            }
            Normalize(y);
        }
        return result;
    }

    /// <summary>The head as a file (format in the remarks), checksum included.</summary>
    public byte[] Serialize()
    {
        var body = new byte[8 + 12 + (_parameters.Length * 4)];
        Encoding.ASCII.GetBytes(Magic).CopyTo(body, 0);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(8), InputDimension);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(12), HiddenDimension);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(16), OutputDimension);
        for (var i = 0; i < _parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(20 + (i * 4)), _parameters[i]);
        }
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Reads a head file, checking its size, its checksum and (when given) the SHA-256 of the whole file.</summary>
    /// <param name="file">The file bytes.</param>
    /// <param name="expectedSha256">Lower-case hex SHA-256 the whole file must have; null: only the internal checksum is checked.</param>
    /// <param name="source">Named in error messages (a path or resource name).</param>
    /// <returns>The head.</returns>
    /// <exception cref="InvalidDataException">The file is not a head file, is truncated or too long for its dimensions, fails its checksum, does not have <paramref name="expectedSha256"/>, or holds a value that is not finite.</exception>
    public static FusionHead Deserialize(ReadOnlySpan<byte> file, string? expectedSha256 = null, string source = "head file")
    {
        if (expectedSha256 is not null)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(file));
            if (!string.Equals(actual, expectedSha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{source}: SHA-256 {actual} is not the expected {expectedSha256}; the head file is corrupt or not the shipped one.");
            }
        }
        if (file.Length < 20 + 32 || Encoding.ASCII.GetString(file[..8]) != Magic)
        {
            throw new InvalidDataException($"{source}: not a fusion head file (it must start with '{Magic.TrimEnd()}').");
        }
        var input = BinaryPrimitives.ReadInt32LittleEndian(file[8..]);
        var hidden = BinaryPrimitives.ReadInt32LittleEndian(file[12..]);
        var output = BinaryPrimitives.ReadInt32LittleEndian(file[16..]);
        if (input is < 1 or > 65536 || hidden is < 0 or > 65536 || output is < 1 or > 65536)
        {
            throw new InvalidDataException($"{source}: implausible dimensions {input}, {hidden}, {output}.");
        }
        long count = ParameterCount(input, hidden, output);
        var expectedLength = 20 + (count * 4) + 32;
        if (file.Length != expectedLength)
        {
            throw new InvalidDataException($"{source}: {file.Length} bytes, but a {input}→{(hidden > 0 ? hidden + "→" : "")}{output} head file has {expectedLength}; wrong size or truncated.");
        }
        var body = file[..^32];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(file[^32..]))
        {
            throw new InvalidDataException($"{source}: checksum mismatch; the head file is corrupt.");
        }
        var parameters = new float[count];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(20 + (i * 4))..]);
            if (!float.IsFinite(parameters[i]))
            {
                throw new InvalidDataException($"{source}: parameter {i} is not finite.");
            }
        }
        return new FusionHead(input, hidden, output, parameters);
    }

    /// <summary>Loads the head shipped in this assembly (<see cref="ShippedResource"/>), checking <see cref="ShippedSha256"/>.</summary>
    /// <returns>The shipped quadruplet-trained head (320-D in).</returns>
    /// <exception cref="InvalidDataException">The resource is missing or fails its checks.</exception>
    public static FusionHead LoadShipped()
    {
        using var stream = typeof(FusionHead).Assembly.GetManifestResourceStream(ShippedResource)
            ?? throw new InvalidDataException($"The shipped head {ShippedResource} is not embedded in {typeof(FusionHead).Assembly.GetName().Name}.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return Deserialize(memory.ToArray(), ShippedSha256, ShippedResource);
    }

    /// <summary>y = M·x for row-major M float[y.Length, x.Length].</summary>
    internal static void MatVec(ReadOnlySpan<float> m, ReadOnlySpan<float> x, Span<float> y)
    {
        for (var r = 0; r < y.Length; r++)
        {
            y[r] = Dot(m.Slice(r * x.Length, x.Length), x);
        }
    }

    /// <summary>Dot product, SIMD with a scalar tail (the order of the sums is fixed, so results are reproducible on one machine).</summary>
    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var i = 0; i < va.Length; i++)
        {
            acc += va[i] * vb[i];
        }
        var sum = Vector.Sum(acc);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>y += a·x (SIMD with a scalar tail).</summary>
    internal static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(a);
        for (var i = 0; i < vx.Length; i++)
        {
            vy[i] += va * vx[i];
        }
        for (var i = vx.Length * Vector<float>.Count; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    private static void Normalize(Span<float> v)
    {
        var s = Dot(v, v);
        if (s > 0 && float.IsFinite(s))
        {
            var f = 1 / MathF.Sqrt(s);
            for (var i = 0; i < v.Length; i++)
            {
                v[i] *= f;
            }
        }
    }
}
