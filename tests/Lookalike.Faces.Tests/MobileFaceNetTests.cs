using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Landmarks;
using Lookalike.Faces.MobileFaceNet;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>
/// Proves the ONNX translation of MobileFaceNet (<see cref="MobileFaceNetGraph"/>, both conversion defects corrected)
/// against tfjs running the same graph with the same corrections (tools/mobilefacenet-reference/reference.mjs, committed
/// as Fixtures/mobilefacenet-reference-descriptors.json), and checks the embedder with ArcFace-aligned LFW photos.
/// </summary>
public sealed class MobileFaceNetTests
{
    private const double Tolerance = 1e-4;

    private static readonly Dictionary<string, Func<int, int, int, int>> Chips = new()
    {
        ["gradient"] = (x, y, c) => ((x * x) + (3 * y * y) + (50 * c) + (x * y / 4)) % 256,
        ["blocks"] = (x, y, c) => ((((x / 10 * 37) + (y / 15 * 91) + (c * 23)) * 7) + x + (2 * y)) % 256,
    };

    [Fact]
    public void Embed_FixedChips_MatchesCorrectedTfjsReference()
    {
        // Arrange
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "mobilefacenet-reference-descriptors.json")));
        Assert.Equal(16, json.RootElement.GetProperty("corrections").GetProperty("relu").GetInt32());
        Assert.Equal(33, json.RootElement.GetProperty("corrections").GetProperty("alpha").GetInt32());
        using var embedder = new MobileFaceNetEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });
        var names = Chips.Keys.ToArray();

        // Act
        var d = embedder.Embed(names.Select(n => EmbeddingReferenceTests.MakeChip(Chips[n], 112)).ToArray());

        // Assert
        for (var i = 0; i < names.Length; i++)
        {
            var expected = json.RootElement.GetProperty("descriptors").GetProperty(names[i]).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(MobileFaceNetEmbedder.DescriptorLength, expected.Length);
            var worst = Enumerable.Range(0, expected.Length).Max(k => Math.Abs(d[(i * expected.Length) + k] - expected[k]));
            Assert.True(worst <= Tolerance, $"{names[i]}: max |ours − tfjs| = {worst:E2}");
        }
    }

    [Fact]
    public void Embed_Descriptors_AreUnitLength192D_AndFlipAverageDiffers()
    {
        // Arrange
        using var plain = new MobileFaceNetEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });
        using var flip = new MobileFaceNetEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = true });
        var chip = EmbeddingReferenceTests.MakeChip(Chips["blocks"], 112);

        // Act
        var a = plain.Embed([chip]);
        var b = flip.Embed([chip]);

        // Assert
        Assert.Equal(192, plain.Dimension);
        Assert.Equal(112, plain.ChipSize);
        Assert.Equal(192, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 4);
        Assert.Equal(1.0, Math.Sqrt(b.Sum(x => (double)x * x)), 4);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the flip-averaged descriptor equals the plain one");
        Assert.Matches("^[0-9a-f]{64}$", plain.WeightsSha256);
    }

    [Fact]
    public void Embed_WrongChipLength_Throws()
    {
        using var embedder = new MobileFaceNetEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models });
        var e = Assert.Throws<ArgumentException>(() => embedder.Embed([new byte[150 * 150 * 3]]));
        Assert.Contains("112×112×3", e.Message);
    }

    [Fact]
    public void Build_UncorrectableGraph_IsRefused()
    {
        // A graph without the defective depthwise ReLUs is not the one the corrections were made for.
        var dir = Path.Combine(TestPaths.Models, "human-models");
        var json = File.ReadAllText(Path.Combine(dir, "mobilefacenet.json")).Replace("\"UmVsdQ==\"", "\"Qmlhc0FkZA==\"", StringComparison.Ordinal)
            .Replace("[\"Qmlhc0FkZA==\", \"Qmlhc0FkZA==\"]", "[\"Qmlhc0FkZA==\"]", StringComparison.Ordinal);
        var bin = File.ReadAllBytes(Path.Combine(dir, "mobilefacenet.bin"));
        Assert.Throws<InvalidDataException>(() => MobileFaceNetGraph.Build(json, bin));
    }

    [Fact]
    public void Embed_ArcFaceAlignedLfwPhotos_SamePersonNearerThanOthers()
    {
        // Arrange: 3 photos each of 3 people, ArcFace-aligned from the 68 landmarks
        var options = new FaceOptions { ModelDirectory = TestPaths.Models };
        var decoder = new ImageDecoder(options);
        using var detector = new BlazeFaceDetector(options);
        using var landmarker = new FaceLandmarker(options);
        using var embedder = new MobileFaceNetEmbedder(options);
        var aligner = new FaceAligner();
        string[] people = ["Colin_Powell", "Serena_Williams", "Tony_Blair"];
        var chips = new List<byte[]>();
        foreach (var person in people)
        {
            foreach (var f in Directory.GetFiles(Path.Combine(TestPaths.SharedData, "lfw", person), "*.jpg").Order(StringComparer.Ordinal).Take(3))
            {
                var image = decoder.Decode(File.ReadAllBytes(f));
                var face = detector.Detect(image).OrderByDescending(d => d.Box.Width * d.Box.Height).First();
                var chip = aligner.AlignArcFace(image, landmarker.Detect(image, face));
                Assert.Equal(112 * 112 * 3, chip.Length);
                chips.Add(chip);
            }
        }

        // Act
        var d = embedder.Embed(chips);

        // Assert: the farthest same-person pair is nearer than the nearest different-person pair
        double Dist(int i, int j) => Math.Sqrt(Enumerable.Range(0, 192).Sum(k => Math.Pow(d[(i * 192) + k] - d[(j * 192) + k], 2)));
        var same = new List<double>();
        var other = new List<double>();
        for (var i = 0; i < chips.Count; i++)
        {
            for (var j = i + 1; j < chips.Count; j++)
            {
                (i / 3 == j / 3 ? same : other).Add(Dist(i, j));
            }
        }
        Assert.True(same.Max() < other.Min(), $"same-person max {same.Max():F3}, different-person min {other.Min():F3}");
    }
}
