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

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(1e-30f)]
    public void FacePipeline_DegenerateDescriptor_IsNoDescriptorRejection(float value)
    {
        // Arrange: the network's output for every face is degenerate (all zeros, NaN, or too small to have a direction)
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        var (pipeline, faces) = FakePipeline(bytes, _ => value);
        using (pipeline)
        {
            // Act
            var ex = Assert.Throws<ImageRejectedException>(() => pipeline.Analyze(bytes));

            // Assert
            Assert.NotEmpty(faces);
            Assert.Equal(ImageRejectReason.NoDescriptor, ex.Reason);
            Assert.StartsWith("could not compute a face descriptor: ", ex.Message, StringComparison.Ordinal);
            Assert.False(DescriptorCheck.IsUsable(pipeline.EmbedFaces([(new Decoding.ImageDecoder(Options()).Decode(bytes), faces[0])])[0].Descriptor));
        }
    }

    [Fact]
    public void FacePipeline_OneDegenerateFaceAmongOthers_IsLeftOut()
    {
        // Arrange: the first face's descriptor is all zeros, the others are usable
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        var (pipeline, faces) = FakePipeline(bytes, face => face == 0 ? 0f : 0.5f);
        using (pipeline)
        {
            // Act
            var analysis = pipeline.Analyze(bytes);

            // Assert
            Assert.True(faces.Count >= 2, $"the demo photo should hold several faces, found {faces.Count}");
            Assert.Equal(faces.Count - 1, analysis.Faces.Count);
            Assert.All(analysis.Faces, f => Assert.True(DescriptorCheck.IsUsable(f.Descriptor)));
        }
    }

    [Theory]
    [InlineData(new[] { 0f, 0f }, "it is all zeros")]
    [InlineData(new[] { 1e-7f, 0f }, "its norm 1E-07 is too small")]
    [InlineData(new[] { 0.3f, float.NegativeInfinity }, "component 1 is -Infinity")]
    [InlineData(new float[0], "it is empty")]
    public void DescriptorCheck_NamesTheProblem(float[] descriptor, string problem) =>
        Assert.Equal(problem, DescriptorCheck.Problem(descriptor));

    [Fact]
    public void DescriptorCheck_RealScaleDescriptor_IsUsable() =>
        Assert.Null(DescriptorCheck.Problem(Enumerable.Repeat(0.09f, 128).ToArray()));

    private static (FacePipeline Pipeline, IReadOnlyList<DetectedFace> Faces) FakePipeline(byte[] bytes, Func<int, float> value)
    {
        using var real = new BlazeFaceDetector(Options());
        var faces = real.Detect(new Decoding.ImageDecoder(Options()).Decode(bytes));
        var options = Options();
        options.UseLandmarks = false;
        return (new FacePipeline(options, new FakeDetector(faces), new FakeEmbedder(FaceAligner.ChipSize, 128, value)), faces);
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

    private sealed class FakeEmbedder(int chipSize, int dimension, Func<int, float>? value = null) : IFaceEmbedder
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
            for (var face = 0; face < chips.Count / groupSize; face++)
            {
                result.AsSpan(face * dimension, dimension).Fill(value?.Invoke(face) ?? 0.5f);
            }
            return result;
        }

        public void Dispose() => Disposed = true;
    }
}
