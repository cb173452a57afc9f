using Lookalike.Faces;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>One pipeline shared by the tests of a class (loading the models takes about a second).</summary>
public sealed class PipelineFixture : IDisposable
{
    public FacePipeline Pipeline { get; } = new(new FaceOptions { ModelDirectory = TestPaths.Models });

    public void Dispose() => Pipeline.Dispose();
}

public sealed class FacePipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private readonly FacePipeline _pipeline = fixture.Pipeline;

    [Theory]
    [InlineData("sample1.jpg")]
    [InlineData("sample2.jpg")]
    [InlineData("sample3.jpg")]
    [InlineData("sample4.jpg")]
    [InlineData("sample5.jpg")]
    [InlineData("sample6.jpg")]
    public void Analyze_DemoPhoto_FindsFacesWithUnitDescriptors(string file)
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", file));

        // Act
        var analysis = _pipeline.Analyze(bytes);

        // Assert
        Assert.NotEmpty(analysis.Faces);
        foreach (var face in analysis.Faces)
        {
            Assert.Equal(FaceEmbedder.DescriptorLength, face.Descriptor.Length);
            var norm = Math.Sqrt(face.Descriptor.Sum(v => (double)v * v));
            Assert.InRange(norm, 0.3, 3.0);
            Assert.True(face.Detection.Box.X >= 0 && face.Detection.Box.X + face.Detection.Box.Width <= analysis.Image.Width + 0.01f);
            Assert.Equal(6, face.Detection.Keypoints.Count);
            Assert.True(face.ThumbnailJpeg.Length > 100);
        }
        for (var i = 2; i < analysis.Faces.Count; i++)
        {
            Assert.True(analysis.Faces[i - 1].Detection.Box.X <= analysis.Faces[i].Detection.Box.X);
        }
        Assert.True(analysis.Faces.Skip(1).All(f => f.Detection.Box.Area <= analysis.Faces[0].Detection.Box.Area));
    }

    [Fact]
    public void Model_Identity_NamesWeightsHashAndDimension()
    {
        // Act
        var model = _pipeline.Model;

        // Assert
        Assert.Equal(128, model.Dimension);
        Assert.Matches("^[0-9a-f]{64}$", model.WeightsSha256);
    }

    [Fact]
    public void EmbedFaces_SameFacesAsAnalyze_GivesSameDescriptors()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        var analysis = _pipeline.Analyze(bytes);
        var (image, faces) = _pipeline.DecodeAndDetect(bytes);

        // Act
        var embedded = _pipeline.EmbedFaces(faces.Select(f => (image, f)).ToList());

        // Assert
        Assert.Equal(analysis.Faces.Count, embedded.Count);
        for (var i = 0; i < embedded.Count; i++)
        {
            Assert.True(Distance(analysis.Faces[i].Descriptor, embedded[i].Descriptor) < 1e-4);
        }
    }

    [Fact]
    public void EncodeJpeg_DecodedPhoto_RoundTripsSize()
    {
        // Arrange
        var (image, _) = _pipeline.DecodeAndDetect(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample2.jpg")));

        // Act
        var jpeg = FacePipeline.EncodeJpeg(image, 80);
        var again = _pipeline.DecodeAndDetect(jpeg).Image;

        // Assert
        Assert.Equal((image.Width, image.Height), (again.Width, again.Height));
    }

    internal static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
}
