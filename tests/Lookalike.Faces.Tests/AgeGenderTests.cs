using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Faces.AgeGender;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Landmarks;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>
/// Proves the ONNX conversion of face-api.js's AgeGenderNet against face-api.js itself: reference outputs from
/// tools/faceapi-reference/agegender.mjs (face-api.js 1.7.15, pure-JS tfjs CPU backend), committed as
/// Fixtures/faceapi-reference-agegender.json, on the 112×112 versions of the synthetic chips of
/// <see cref="EmbeddingReferenceTests"/>; and checks the full stage on real LFW photos of known sex.
/// </summary>
public sealed class AgeGenderTests
{
    /// <summary>Tolerance on the age output, in years.</summary>
    private const double AgeTolerance = 1e-3;

    /// <summary>Tolerance on the male probability.</summary>
    private const double ProbabilityTolerance = 1e-4;

    private static readonly Dictionary<string, Func<int, int, int, int>> Chips = new()
    {
        ["gradient"] = (x, y, c) => ((x * x) + (3 * y * y) + (50 * c) + (x * y / 4)) % 256,
        ["blocks"] = (x, y, c) => ((((x / 10 * 37) + (y / 15 * 91) + (c * 23)) * 7) + x + (2 * y)) % 256,
    };

    [Fact]
    public void Run_FixedChips_MatchesFaceApiJs()
    {
        // Arrange
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "faceapi-reference-agegender.json")));
        using var estimator = new AgeGenderEstimator(new FaceOptions { ModelDirectory = TestPaths.Models });

        foreach (var name in Chips.Keys)
        {
            // Act
            var r = estimator.Run(EmbeddingReferenceTests.MakeChip(Chips[name], 112));

            // Assert
            var expected = json.RootElement.GetProperty("ageGender").GetProperty(name);
            var age = expected.GetProperty("age").GetDouble();
            var male = expected.GetProperty("maleProbability").GetDouble();
            Assert.True(Math.Abs(r[0] - age) <= AgeTolerance, $"{name}: age {r[0]} vs face-api.js {age}");
            Assert.True(Math.Abs(r[1] - male) <= ProbabilityTolerance, $"{name}: P(male) {r[1]} vs face-api.js {male}");
            Assert.Equal(1.0, r[1] + r[2], 5);
        }
    }

    [Theory]
    [InlineData("Angelina_Jolie", EstimatedSex.Female)]
    [InlineData("Serena_Williams", EstimatedSex.Female)]
    [InlineData("Arnold_Schwarzenegger", EstimatedSex.Male)]
    [InlineData("Colin_Powell", EstimatedSex.Male)]
    public void Estimate_LfwPhotos_FindsTheKnownSexOnMostPhotos(string person, EstimatedSex sex)
    {
        // Arrange
        var options = new FaceOptions { ModelDirectory = TestPaths.Models };
        var decoder = new Lookalike.Faces.Decoding.ImageDecoder(options);
        using var detector = new BlazeFaceDetector(options);
        using var landmarker = new FaceLandmarker(options);
        using var estimator = new AgeGenderEstimator(options);
        var files = Directory.GetFiles(Path.Combine(TestPaths.SharedData, "lfw", person), "*.jpg").Order(StringComparer.Ordinal).Take(5).ToArray();
        Assert.Equal(5, files.Length);

        // Act
        var estimates = files.Select(f =>
        {
            var image = decoder.Decode(File.ReadAllBytes(f));
            var face = detector.Detect(image).OrderByDescending(d => d.Box.Width * d.Box.Height).First();
            return estimator.Estimate(image, landmarker.Detect(image, face));
        }).ToArray();

        // Assert: at least 4 of 5 agree with the known sex; ages are adult
        Assert.True(estimates.Count(e => e.Sex == sex) >= 4, string.Join(", ", estimates));
        Assert.All(estimates, e => Assert.InRange(e.AgeYears, 15f, 90f));
    }

    [Fact]
    public void Estimate_WrongLandmarkCount_Throws()
    {
        using var estimator = new AgeGenderEstimator(new FaceOptions { ModelDirectory = TestPaths.Models });
        var image = new RgbImage(10, 10, new byte[10 * 10 * 3], "test");

        Assert.Throws<ArgumentException>(() => estimator.Estimate(image, new Point2[5]));
    }

    [Theory]
    [InlineData(0.5f, EstimatedSex.Unknown)]
    [InlineData(0.64f, EstimatedSex.Unknown)]
    [InlineData(0.36f, EstimatedSex.Unknown)]
    [InlineData(0.66f, EstimatedSex.Male)]
    [InlineData(0.2f, EstimatedSex.Female)]
    public void Sex_NearHalf_IsUnknown(float male, EstimatedSex expected) =>
        Assert.Equal(expected, new AgeGenderEstimate(30, male).Sex);
}
