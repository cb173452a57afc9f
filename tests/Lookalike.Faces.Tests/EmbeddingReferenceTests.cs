using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>
/// Proves the ONNX conversion of the descriptor network: our graph must reproduce face-api.js's own FaceRecognitionNet
/// on fixed chips (and FaceLandmark68Net on 112×112 versions). The reference numbers come from tools/faceapi-reference/reference.mjs (face-api.js 1.7.15 on the
/// pure-JS tfjs CPU backend), committed as Fixtures/faceapi-reference-descriptors.json.
/// </summary>
public sealed class EmbeddingReferenceTests
{
    private const double Tolerance = 1e-4;

    // Same formulas as tools/faceapi-reference/reference.mjs.
    private static readonly Dictionary<string, Func<int, int, int, int>> Chips = new()
    {
        ["gradient"] = (x, y, c) => ((x * x) + (3 * y * y) + (50 * c) + (x * y / 4)) % 256,
        ["blocks"] = (x, y, c) => ((((x / 10 * 37) + (y / 15 * 91) + (c * 23)) * 7) + x + (2 * y)) % 256,
    };

    [Fact]
    public void Embed_FixedChips_MatchesFaceApiJsWithin1e4()
    {
        // Arrange
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "faceapi-reference-descriptors.json")));
        var divisor = json.RootElement.GetProperty("divisor").GetSingle();
        using var embedder = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false }, divisor);
        var names = Chips.Keys.ToArray();
        var chips = names.Select(n => MakeChip(Chips[n])).ToArray();

        // Act
        var descriptors = embedder.Embed(chips);

        // Assert
        for (var i = 0; i < names.Length; i++)
        {
            var expected = json.RootElement.GetProperty("descriptors").GetProperty(names[i]).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(FaceEmbedder.DescriptorLength, expected.Length);
            var maxDiff = expected.Select((e, k) => Math.Abs(e - descriptors[(i * FaceEmbedder.DescriptorLength) + k])).Max();
            Assert.True(maxDiff <= Tolerance, $"{names[i]}: max |ours − face-api.js| = {maxDiff:E2} > {Tolerance:E0}");
        }
    }

    [Fact]
    public void Landmarks_FixedCrops_MatchFaceApiJsWithinOneHundredthPixel()
    {
        // Arrange
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "faceapi-reference-descriptors.json")));
        using var landmarker = new Lookalike.Faces.Landmarks.FaceLandmarker(new FaceOptions { ModelDirectory = TestPaths.Models });

        foreach (var name in Chips.Keys)
        {
            // Act
            var raw = landmarker.Run(MakeChip(Chips[name], 112));

            // Assert: face-api.js reports pixels of the 112×112 input
            var expected = json.RootElement.GetProperty("landmarks").GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(136, expected.Length);
            var maxDiff = expected.Select((e, k) => Math.Abs(e - (raw[k] * 112))).Max();
            Assert.True(maxDiff <= 0.01, $"{name}: max |ours − face-api.js| = {maxDiff:E2} px");
        }
    }

    [Fact]
    public void Embed_BatchOfTwo_EqualsSingleRuns()
    {
        // Arrange
        using var embedder = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });
        var a = MakeChip(Chips["gradient"]);
        var b = MakeChip(Chips["blocks"]);

        // Act
        var batch = embedder.Embed([a, b]);
        var single = embedder.Embed([b]);

        // Assert
        for (var k = 0; k < FaceEmbedder.DescriptorLength; k++)
        {
            Assert.Equal(single[k], batch[FaceEmbedder.DescriptorLength + k], 5);
        }
    }

    [Fact]
    public void Embed_FlipAverage_IsMeanOfChipAndMirror()
    {
        // Arrange
        var chip = MakeChip(Chips["blocks"]);
        using var plain = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });
        using var flip = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = true });

        // Act
        var both = plain.Embed([chip, Lookalike.Faces.Alignment.FaceAligner.Mirror(chip)]);
        var averaged = flip.Embed([chip]);

        // Assert
        for (var k = 0; k < FaceEmbedder.DescriptorLength; k++)
        {
            Assert.Equal((both[k] + both[FaceEmbedder.DescriptorLength + k]) / 2, averaged[k], 5);
        }
    }

    [Fact]
    public void Constructor_WithCacheDirectory_WritesModelOnceAndReusesIt()
    {
        // Arrange
        var cache = Path.Combine(Path.GetTempPath(), "lookalike-test-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FaceOptions { ModelDirectory = TestPaths.Models, CacheDirectory = cache };
            var chip = MakeChip(Chips["gradient"]);
            string sha;

            // Act
            float[] first, second;
            using (var e1 = new FaceEmbedder(options))
            {
                first = e1.Embed([chip]);
                sha = e1.WeightsSha256;
            }
            var files = Directory.GetFiles(cache, "*.onnx");
            using (var e2 = new FaceEmbedder(options))
            {
                second = e2.Embed([chip]);
            }

            // Assert
            var file = Assert.Single(files);
            Assert.Contains(sha[..16], file, StringComparison.Ordinal);
            Assert.Equal(first, second);
        }
        finally
        {
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    internal static byte[] MakeChip(Func<int, int, int, int> f, int size = 150)
    {
        var chip = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    chip[(((y * size) + x) * 3) + c] = (byte)f(x, y, c);
                }
            }
        }
        return chip;
    }
}
