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
public sealed class FaceEmbedder : ChipEmbedderModel, IFaceEmbedder
{
    /// <summary>Length of this model's descriptor (128), the value of <see cref="Dimension"/>; everything outside the model reads <see cref="IFaceEmbedder.Dimension"/>.</summary>
    public const int DescriptorLength = 128;

    /// <summary>The model's name and version, the value of <see cref="Name"/>.</summary>
    public const string ModelName = "dlib-resnet34-v1 (face-api.js 1.7.15)";

    /// <summary>The pixel divisor of dlib's own input layer (<c>input_rgb_image</c>: (x − mean) / 256).</summary>
    public const float DlibDivisor = 256f;

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
    /// one face, see <see cref="ChipJitter"/>); the network sees at most <see cref="ChipEmbedderModel.MaxRunBatch"/> chips per run.
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
    private float[] EmbedCore(IReadOnlyList<byte[]> chips, int groupSize, bool withMirrors) =>
        EmbedChips(chips, FaceAligner.ChipSize, DescriptorLength, FaceRecognitionGraph.InputName, FaceRecognitionGraph.OutputName, groupSize, withMirrors, normalizeMeans: false);

    // The builder's version is part of the file name: a change of the graph invalidates old files.
    private static byte[] LoadOrBuild(byte[] weights, string manifest, float divisor, string? cacheDirectory, string sha) =>
        LoadOrBuildGraph(cacheDirectory, $"dlib-resnet34-{sha[..16]}-d{divisor:0}-v{GraphVersion}.onnx", () => FaceRecognitionGraph.Build(weights, manifest, divisor));

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
