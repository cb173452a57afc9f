using System.Security.Cryptography;
using Lookalike.Faces.Alignment;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.Embedding;

/// <summary>
/// The dlib ResNet-34 face descriptor (D. King, dlib <c>dlib_face_recognition_resnet_model_v1</c>, 99.38% on LFW with
/// dlib's alignment) on ONNX Runtime, built at start-up from the face-api.js weights (see the remarks of the graph
/// builder) and cached on disk keyed by the weights' SHA-256.
/// </summary>
/// <remarks>
/// Input: aligned 150×150 RGB chips (<see cref="FaceAligner"/>). Output: a 128-D descriptor per chip, compared by
/// Euclidean distance (dlib's same-person threshold: 0.6); the descriptors are not normalised (their norm is about 1).
/// Thread-safe: one <see cref="InferenceSession"/>, run concurrently; intra-op threads from <see cref="FaceOptions.IntraOpThreads"/>.
/// </remarks>
public sealed class FaceEmbedder : OnnxModel, IFaceEmbedder
{
    /// <summary>Length of this model's descriptor (128), the value of <see cref="Dimension"/>; everything outside the model reads <see cref="IFaceEmbedder.Dimension"/>.</summary>
    public const int DescriptorLength = 128;

    /// <summary>The model's name and version, the value of <see cref="Name"/>.</summary>
    public const string ModelName = "dlib-resnet34-v1 (face-api.js 1.7.15)";

    /// <summary>The pixel divisor of dlib's own input layer (<c>input_rgb_image</c>: (x − mean) / 256).</summary>
    public const float DlibDivisor = 256f;

    /// <summary>Most chips given to the network in one run (bounds the input tensor at 32 × 270 KB).</summary>
    internal const int MaxRunBatch = 32;

    private const int ChipPixels = FaceAligner.ChipSize * FaceAligner.ChipSize;
    private readonly bool _flipAverage;

    /// <summary>Builds (or loads from <see cref="FaceOptions.CacheDirectory"/>) the model and checks its input and output.</summary>
    /// <param name="options">Model folder, cache folder, threads, CUDA and <see cref="FaceOptions.FlipAverage"/>.</param>
    /// <exception cref="FileNotFoundException">The face-api.js weights or manifest are missing.</exception>
    /// <exception cref="InvalidDataException">The weights do not match the manifest.</exception>
    /// <exception cref="InvalidOperationException">The built model's input or output is not [N,3,150,150] → [N,128].</exception>
    public FaceEmbedder(FaceOptions options) : this(options, DlibDivisor)
    {
    }

    /// <summary>As <see cref="FaceEmbedder(FaceOptions)"/> with another input divisor (255 reproduces face-api.js exactly).</summary>
    internal FaceEmbedder(FaceOptions options, float divisor) : this(options, Weights.Read(options), divisor)
    {
    }

    private FaceEmbedder(FaceOptions options, Weights weights, float divisor)
        : base(LoadOrBuild(weights.Bytes, weights.Manifest, divisor, options.CacheDirectory, weights.Sha256), options)
    {
        _flipAverage = options.FlipAverage;
        WeightsSha256 = weights.Sha256;
        var message = $"The embedding model must map [N,3,150,150] to [N,{DescriptorLength}].";
        RequireInput(FaceRecognitionGraph.InputName, [-1, 3, FaceAligner.ChipSize, FaceAligner.ChipSize], message);
        RequireOutput(FaceRecognitionGraph.OutputName, [-1, DescriptorLength], message);
    }

    /// <summary><see cref="ModelName"/>.</summary>
    public string Name => ModelName;

    /// <summary>Length of a descriptor: <see cref="DescriptorLength"/> (128) floats.</summary>
    public int Dimension => DescriptorLength;

    /// <summary>Side of the input chip: <see cref="FaceAligner.ChipSize"/> (150) pixels.</summary>
    public int ChipSize => FaceAligner.ChipSize;

    /// <summary>Lower-case hex SHA-256 of <c>face_recognition_model.bin</c> (stored descriptors made with other weights are stale).</summary>
    public string WeightsSha256 { get; }

    /// <summary>Embeds a batch of chips.</summary>
    /// <param name="chips">Chips, each row-major [150, 150, 3] RGB bytes (length 67,500).</param>
    /// <returns>Row-major [chips.Count, 128] descriptors; with <see cref="FaceOptions.FlipAverage"/> each is the mean of the chip's and its mirror's.</returns>
    /// <exception cref="ArgumentException">A chip has the wrong length.</exception>
    /// <remarks>Values as the network gives them; <see cref="FacePipeline"/> screens degenerate ones (<see cref="DescriptorCheck"/>).</remarks>
    public float[] Embed(IReadOnlyList<byte[]> chips) => Embed(chips, _flipAverage);

    /// <summary>As <see cref="Embed(IReadOnlyList{byte[]})"/> with flip averaging chosen per call (evaluation).</summary>
    internal float[] Embed(IReadOnlyList<byte[]> chips, bool flipAverage) =>
        flipAverage ? EmbedCore(chips, 2, withMirrors: true) : EmbedCore(chips, 1, withMirrors: false);

    /// <summary>
    /// Embeds chips and averages each run of <paramref name="groupSize"/> consecutive descriptors (the jittered chips of
    /// one face, see <see cref="ChipJitter"/>); the network sees at most <see cref="MaxRunBatch"/> chips per run.
    /// </summary>
    /// <param name="chips">Chips, each row-major [150, 150, 3] RGB bytes; a multiple of <paramref name="groupSize"/> of them.</param>
    /// <param name="groupSize">Chips per descriptor, ≥ 1.</param>
    /// <returns>Row-major [chips.Count / groupSize, 128] mean descriptors.</returns>
    /// <exception cref="ArgumentException">A chip has the wrong length, or the count is not a multiple of <paramref name="groupSize"/>.</exception>
    public float[] EmbedMean(IReadOnlyList<byte[]> chips, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(chips);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        return EmbedCore(chips, groupSize, withMirrors: false);
    }

    /// <summary>
    /// Runs the network on the chips (each followed by its mirror image when <paramref name="withMirrors"/>) and averages
    /// each run of <paramref name="groupSize"/> consecutive network inputs.
    /// </summary>
    private float[] EmbedCore(IReadOnlyList<byte[]> chips, int groupSize, bool withMirrors)
    {
        ArgumentNullException.ThrowIfNull(chips);
        var copies = withMirrors ? 2 : 1;
        var inputs = chips.Count * copies;
        if (inputs % groupSize != 0)
        {
            throw new ArgumentException($"{chips.Count} chips do not split into groups of {groupSize}.", nameof(chips));
        }
        for (var i = 0; i < chips.Count; i++)
        {
            if (chips[i].Length != ChipPixels * 3)
            {
                throw new ArgumentException($"Chip {i} has {chips[i].Length} bytes; expected {ChipPixels * 3} (150×150×3).", nameof(chips));
            }
        }
        var result = new float[inputs / groupSize * DescriptorLength];
        var scale = 1f / groupSize;
        for (var start = 0; start < inputs; start += MaxRunBatch)
        {
            var n = Math.Min(MaxRunBatch, inputs - start);
            var input = new float[n * 3 * ChipPixels];
            for (var i = 0; i < n; i++)
            {
                var j = start + i;
                ToPlanar(chips[j / copies], input.AsSpan(i * 3 * ChipPixels, 3 * ChipPixels), mirror: j % copies == 1);
            }
            using var value = OrtValue.CreateTensorValueFromMemory(input, [n, 3, FaceAligner.ChipSize, FaceAligner.ChipSize]);
            using var outputs = Run(FaceRecognitionGraph.InputName, value, [FaceRecognitionGraph.OutputName]);
            var o = outputs[0].GetTensorDataAsSpan<float>();
            for (var i = 0; i < n; i++)
            {
                var d = result.AsSpan((start + i) / groupSize * DescriptorLength, DescriptorLength);
                var x = o.Slice(i * DescriptorLength, DescriptorLength);
                for (var k = 0; k < DescriptorLength; k++)
                {
                    d[k] += x[k] * scale;
                }
            }
        }
        return result; // as the network gives them: FacePipeline screens degenerate descriptors (DescriptorCheck)
    }

    private static void ToPlanar(ReadOnlySpan<byte> chip, Span<float> dst, bool mirror)
    {
        const int size = FaceAligner.ChipSize;
        var r = dst[..ChipPixels];
        var g = dst.Slice(ChipPixels, ChipPixels);
        var b = dst.Slice(2 * ChipPixels, ChipPixels);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var s = ((y * size) + (mirror ? size - 1 - x : x)) * 3;
                var d = (y * size) + x;
                r[d] = chip[s];
                g[d] = chip[s + 1];
                b[d] = chip[s + 2];
            }
        }
    }

    private static byte[] LoadOrBuild(byte[] weights, string manifest, float divisor, string? cacheDirectory, string sha)
    {
        if (cacheDirectory is null)
        {
            return FaceRecognitionGraph.Build(weights, manifest, divisor);
        }
        // The builder's version is part of the key: a change of the graph invalidates old files.
        var path = Path.Combine(cacheDirectory, $"dlib-resnet34-{sha[..16]}-d{divisor:0}-v{GraphVersion}.onnx");
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        var model = FaceRecognitionGraph.Build(weights, manifest, divisor);
        Directory.CreateDirectory(cacheDirectory);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(tmp, model);
        File.Move(tmp, path, overwrite: true);
        return model;
    }

    private const int GraphVersion = 1;

    /// <summary>The face-api.js weights and manifest read from the model folder, with the weights' SHA-256.</summary>
    private sealed record Weights(byte[] Bytes, string Manifest, string Sha256)
    {
        public static Weights Read(FaceOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var dir = Path.Combine(options.ModelDirectory, "face-api");
            var binPath = Path.Combine(dir, "face_recognition_model.bin");
            var manifestPath = Path.Combine(dir, "face_recognition_model-weights_manifest.json");
            if (!File.Exists(binPath) || !File.Exists(manifestPath))
            {
                throw new FileNotFoundException($"face-api.js recognition weights not found in {dir}; build the solution to fetch the models.", binPath);
            }
            var bytes = File.ReadAllBytes(binPath);
            return new Weights(bytes, File.ReadAllText(manifestPath), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
    }
}
