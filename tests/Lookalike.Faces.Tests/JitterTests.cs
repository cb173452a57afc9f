using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>The jittered descriptor (<see cref="FaceOptions.Jitter"/>, dlib's num_jitters): the fixed sample set, the jittered chips and their mean.</summary>
public sealed class JitterTests
{
    [Fact]
    public void Create_SameCount_GivesTheSameSamplesEveryTime()
    {
        // Act
        var a = ChipJitter.Create(40);
        var b = ChipJitter.Create(40);

        // Assert
        Assert.Equal(a, b);
    }

    [Fact]
    public void Create_Shorter_IsAPrefixOfLonger()
    {
        // Act
        var shorter = ChipJitter.Create(10);
        var longer = ChipJitter.Create(100);

        // Assert
        Assert.Equal(shorter, longer.Take(10));
    }

    [Fact]
    public void Create_Samples_StayWithinDlibsRangesAndEverySecondIsMirrored()
    {
        // Act
        var samples = ChipJitter.Create(200);

        // Assert
        var maxRotation = ChipJitter.MaxRotationDegrees * MathF.PI / 180f;
        var maxShift = ChipJitter.MaxShift * FaceAligner.ChipSize;
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            Assert.InRange(s.Rotation, -maxRotation, maxRotation);
            Assert.InRange(s.Zoom, ChipJitter.MinZoom, 1f);
            Assert.InRange(s.ShiftX, -maxShift, maxShift);
            Assert.InRange(s.ShiftY, -maxShift, maxShift);
            Assert.Equal(i % 2 == 1, s.Mirror);
        }
        // Not degenerate: the samples spread over their ranges.
        Assert.True(samples.Max(s => s.Rotation) - samples.Min(s => s.Rotation) > maxRotation);
        Assert.True(samples.Max(s => s.ShiftX) - samples.Min(s => s.ShiftX) > maxShift);
        Assert.True(samples.Select(s => s.Zoom).Distinct().Count() > 100);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(ChipJitter.MaxCount + 1)]
    public void Create_CountOutOfRange_Throws(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChipJitter.Create(count));

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Validate_JitterOutOfRange_NamesTheOption(int jitter)
    {
        // Arrange
        var options = new FaceOptions { Jitter = jitter };

        // Act
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        // Assert
        Assert.Equal(nameof(FaceOptions.Jitter), error.ParamName);
    }

    [Fact]
    public void AlignDlibJittered_IdentityAndMirrorSamples_GiveThePlainChipAndItsMirror()
    {
        // Arrange
        var image = Photo();
        var landmarks = FaceLandmarks(image);
        var aligner = new FaceAligner();
        JitterSample[] samples = [new(0, 1, 0, 0, false), new(0, 1, 0, 0, true)];

        // Act
        var chips = aligner.AlignDlibJittered(image, landmarks, samples);

        // Assert
        var plain = aligner.AlignDlib(image, landmarks);
        Assert.Equal(plain, chips[0]);
        Assert.Equal(FaceAligner.Mirror(plain), chips[1]);
    }

    [Fact]
    public void AlignDlibJittered_ShiftedSample_MovesTheContent()
    {
        // Arrange: a shift of +4 chip pixels samples 4 pixels further right, so the content moves 4 pixels left.
        var image = Photo();
        var landmarks = FaceLandmarks(image);
        var aligner = new FaceAligner();

        // Act
        var shifted = aligner.AlignDlibJittered(image, landmarks, [new JitterSample(0, 1, 4, 0, false)])[0];

        // Assert
        var plain = aligner.AlignDlib(image, landmarks);
        const int size = FaceAligner.ChipSize;
        var maxDiff = 0;
        for (var y = 20; y < size - 20; y++)
        {
            for (var x = 20; x < size - 20; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(shifted[(((y * size) + x) * 3) + c] - plain[(((y * size) + x + 4) * 3) + c]));
                }
            }
        }
        Assert.True(maxDiff <= 1, $"max difference {maxDiff}");
        Assert.NotEqual(plain, shifted);
    }

    [Fact]
    public void EmbedMean_ChunkedOverSeveralRuns_IsTheMeanOfEachGroup()
    {
        // Arrange: 2 groups of 20 chips, more than one network run (MaxRunBatch) in all.
        using var embedder = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });
        var image = Photo();
        var aligner = new FaceAligner();
        var landmarks = FaceLandmarks(image);
        var chips = aligner.AlignDlibJittered(image, landmarks, ChipJitter.Create(40));
        Assert.True(chips.Count > FaceEmbedder.MaxRunBatch);

        // Act
        var means = embedder.EmbedMean(chips, 20);

        // Assert
        Assert.Equal(2 * FaceEmbedder.DescriptorLength, means.Length);
        for (var g = 0; g < 2; g++)
        {
            var expected = new double[FaceEmbedder.DescriptorLength];
            for (var i = 0; i < 20; i++)
            {
                var one = embedder.Embed([chips[(g * 20) + i]]);
                for (var k = 0; k < expected.Length; k++)
                {
                    expected[k] += one[k] / 20.0;
                }
            }
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k], means[(g * FaceEmbedder.DescriptorLength) + k], 4);
            }
        }
    }

    [Fact]
    public void EmbedMean_CountNotAMultipleOfTheGroup_Throws()
    {
        // Arrange
        using var embedder = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models });
        var chip = new byte[FaceAligner.ChipSize * FaceAligner.ChipSize * 3];

        // Act + Assert
        Assert.Throws<ArgumentException>(() => embedder.EmbedMean([chip, chip, chip], 2));
    }

    [Fact]
    public void Analyze_WithJitter_AveragesTheJitteredChipsAndStaysNearTheFlipAveragedDescriptor()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var jittered = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 10 });
        using var flipped = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        using var embedder = new FaceEmbedder(new FaceOptions { ModelDirectory = TestPaths.Models, FlipAverage = false });

        // Act
        var a = jittered.Analyze(bytes);
        var b = flipped.Analyze(bytes);

        // Assert: the descriptor is the mean over the 10 jittered chips of the same face...
        var face = a.Faces[0];
        var landmarks = jittered.Landmarks(a.Image, face.Detection);
        var expected = embedder.EmbedMean(new FaceAligner().AlignDlibJittered(a.Image, landmarks, ChipJitter.Create(10)), 10);
        Assert.True(FacePipelineTests.Distance(expected, face.Descriptor) < 1e-4);
        // ...which is a small move from the flip-averaged descriptor (same person: far below dlib's 0.6), but a move.
        Assert.Equal(b.Faces.Count, a.Faces.Count);
        var moved = FacePipelineTests.Distance(face.Descriptor, b.Faces[0].Descriptor);
        Assert.InRange(moved, 1e-3, 0.15);
        // The thumbnail is the plain chip's, whatever the jitter.
        Assert.Equal(b.Faces[0].ThumbnailJpeg, face.ThumbnailJpeg);
    }

    [Fact]
    public void Analyze_JitterOne_IsNoJitterAsInDlib()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var one = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 1 });
        using var none = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });

        // Act
        var a = one.Analyze(bytes);
        var b = none.Analyze(bytes);

        // Assert
        Assert.Equal(b.Faces[0].Descriptor, a.Faces[0].Descriptor);
    }

    [Fact]
    public void EmbedFaces_WithJitter_SameDescriptorsAsAnalyze()
    {
        // Arrange: EmbedFaces (imports) embeds jittered faces one at a time; Analyze (queries) must agree with it.
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var pipeline = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 4 });
        var analysis = pipeline.Analyze(bytes);
        var (image, faces) = pipeline.DecodeAndDetect(bytes);

        // Act
        var embedded = pipeline.EmbedFaces(faces.Select(f => (image, f)).ToList());

        // Assert
        Assert.True(faces.Count >= 2);
        for (var i = 0; i < faces.Count; i++)
        {
            Assert.True(FacePipelineTests.Distance(analysis.Faces[i].Descriptor, embedded[i].Descriptor) < 1e-4);
            Assert.Equal(analysis.Faces[i].ThumbnailJpeg, embedded[i].ThumbnailJpeg);
        }
    }

    private static RgbImage Photo() =>
        new Lookalike.Faces.Decoding.ImageDecoder(new FaceOptions()).Decode(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg")));

    private static IReadOnlyList<Point2> FaceLandmarks(RgbImage image)
    {
        using var pipeline = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        var face = pipeline.DecodeAndDetect(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"))).Faces[0];
        return pipeline.Landmarks(image, face);
    }
}
