using System.Security.Cryptography;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

public sealed class ModelInterfaceTests
{
    private static FaceOptions Options() => new() { ModelDirectory = TestPaths.Models };

    [Fact]
    public void FaceEmbedder_Default_ReportsNameHashDimensionAndChipSize()
    {
        // Arrange
        using var embedder = new FaceEmbedder(Options());
        IFaceEmbedder model = embedder;
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "face_recognition_model.bin"))));

        // Act
        var (name, sha, dimension, chip) = (model.Name, model.WeightsSha256, model.Dimension, model.ChipSize);

        // Assert
        Assert.Equal("dlib-resnet34-v1 (face-api.js 1.7.15)", name);
        Assert.Equal(expectedSha, sha);
        Assert.Equal(128, dimension);
        Assert.Equal(FaceAligner.ChipSize, chip);
    }

    [Theory]
    [InlineData(true, 256, "face_detection_back_256x256_barracuda.onnx")]
    [InlineData(false, 128, "face_detection_front_128x128_barracuda.onnx")]
    public void BlazeFaceDetector_EitherModel_ReportsNameHashAndInputSize(bool back, int size, string file)
    {
        // Arrange
        using var detector = new BlazeFaceDetector(Options(), back);
        IFaceDetector model = detector;
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(TestPaths.Models, "blazeface", file))));

        // Act
        var (name, sha, input) = (model.Name, model.WeightsSha256, model.InputSize);

        // Assert
        Assert.StartsWith("MediaPipe BlazeFace " + (back ? "back-256" : "front-128"), name, StringComparison.Ordinal);
        Assert.Equal(expectedSha, sha);
        Assert.Equal(size, input);
    }

    [Fact]
    public void FacePipeline_ComposedFromInterfaces_MatchesTheDefaultPipeline()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var standard = new FacePipeline(Options());
        using var composed = new FacePipeline(Options(), new BlazeFaceDetector(Options()), new FaceEmbedder(Options()));

        // Act
        var a = standard.Analyze(bytes);
        var b = composed.Analyze(bytes);

        // Assert
        Assert.Equal(standard.Model, composed.Model);
        Assert.Equal(128, composed.Dimension);
        Assert.Equal(a.Faces.Count, b.Faces.Count);
        for (var i = 0; i < a.Faces.Count; i++)
        {
            Assert.Equal(a.Faces[i].Detection.Box, b.Faces[i].Detection.Box);
            Assert.Equal(a.Faces[i].Descriptor, b.Faces[i].Descriptor);
        }
    }

    [Fact]
    public void FacePipeline_EmbedderWithOtherChipSize_ThrowsAndDisposesBothModels()
    {
        // Arrange
        var detector = new FakeDetector();
        var embedder = new FakeEmbedder(chipSize: 112, dimension: 64);

        // Act
        var ex = Assert.Throws<ArgumentException>(() => new FacePipeline(Options(), detector, embedder));

        // Assert
        Assert.Equal("embedder", ex.ParamName);
        Assert.True(detector.Disposed);
        Assert.True(embedder.Disposed);
    }

    [Fact]
    public void FacePipeline_OtherDimension_DescriptorLengthComesFromTheEmbedder()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var real = new BlazeFaceDetector(Options());
        var faces = real.Detect(new Decoding.ImageDecoder(Options()).Decode(bytes));
        var options = Options();
        options.UseLandmarks = false;
        using var pipeline = new FacePipeline(options, new FakeDetector(faces), new FakeEmbedder(FaceAligner.ChipSize, dimension: 64));

        // Act
        var analysis = pipeline.Analyze(bytes);

        // Assert
        Assert.Equal(64, pipeline.Dimension);
        Assert.Equal(64, pipeline.Model.Dimension);
        Assert.Equal("fake", DescriptorIdentity.Of(pipeline).Name.Split(';')[0]);
        Assert.NotEmpty(analysis.Faces);
        Assert.All(analysis.Faces, f => Assert.Equal(64, f.Descriptor.Length));
    }

    private sealed class FakeDetector(IReadOnlyList<DetectedFace>? faces = null) : IFaceDetector
    {
        public bool Disposed { get; private set; }

        public string Name => "fake";

        public string WeightsSha256 => new('0', 64);

        public int InputSize => 128;

        public IReadOnlyList<DetectedFace> Detect(RgbImage image) => faces ?? [];

        public void Dispose() => Disposed = true;
    }

    private sealed class FakeEmbedder(int chipSize, int dimension) : IFaceEmbedder
    {
        public bool Disposed { get; private set; }

        public string Name => "fake";

        public string WeightsSha256 => new('0', 64);

        public int Dimension => dimension;

        public int ChipSize => chipSize;

        public float[] Embed(IReadOnlyList<byte[]> chips) => EmbedMean(chips, 1);

        public float[] EmbedMean(IReadOnlyList<byte[]> chips, int groupSize)
        {
            var result = new float[chips.Count / groupSize * dimension];
            Array.Fill(result, 0.5f);
            return result;
        }

        public void Dispose() => Disposed = true;
    }
}
