using Lookalike.Faces;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary><see cref="FaceOptions.Model"/>: dlib (default), mobilefacenet and fused, their identities, dimensions and the fused descriptor.</summary>
public sealed class ModelChoiceTests
{
    private static FaceOptions Options(string model) => new() { ModelDirectory = TestPaths.Models, Model = model };

    [Fact]
    public void Identity_EachModel_DiffersWithItsDimension()
    {
        // Arrange
        using var dlib = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        using var mobileFaceNet = new FacePipeline(Options(DescriptorModels.MobileFaceNet));
        using var fused = new FacePipeline(Options(DescriptorModels.Fused));

        // Act
        var ids = new[] { dlib, mobileFaceNet, fused }.Select(DescriptorIdentity.Of).ToArray();

        // Assert: three distinct identities (name and weights hash), so a store made with one is stale for the others
        Assert.Equal(DescriptorModels.Dlib, dlib.Options.Model);
        Assert.Equal([128, 192, 320], ids.Select(i => i.Dimension));
        Assert.Equal(3, ids.Select(i => i.Name).Distinct().Count());
        Assert.Equal(3, ids.Select(i => i.WeightsSha256).Distinct().Count());
        Assert.StartsWith("dlib-resnet34", ids[0].Name, StringComparison.Ordinal);
        Assert.StartsWith("mobilefacenet", ids[1].Name, StringComparison.Ordinal);
        Assert.StartsWith("fused(", ids[2].Name, StringComparison.Ordinal);
        Assert.Equal(64, ids[2].WeightsSha256.Length);
        Assert.Null(dlib.SecondEmbedder);
        Assert.NotNull(fused.SecondEmbedder);
    }

    [SharedDataFact("data/lfw")]
    public void Analyze_Fused_Is320DUnitLengthAndTheConcatenationOfTheTwo()
    {
        // Arrange
        var photo = File.ReadAllBytes(Path.Combine(TestPaths.SharedData, "lfw", "Colin_Powell", "Colin_Powell_0001.jpg"));
        using var dlib = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        using var mobileFaceNet = new FacePipeline(Options(DescriptorModels.MobileFaceNet));
        using var fused = new FacePipeline(Options(DescriptorModels.Fused));

        // Act
        var a = dlib.Analyze(photo).Faces[0].Descriptor;
        var b = mobileFaceNet.Analyze(photo).Faces[0].Descriptor;
        var f = fused.Analyze(photo).Faces[0].Descriptor;

        // Assert: [L2(dlib) ++ L2(mfn)] / √2, of unit length
        Assert.Equal(128, a.Length);
        Assert.Equal(192, b.Length);
        Assert.Equal(320, f.Length);
        Assert.Equal(1.0, Norm(f), 1e-5);
        Assert.Equal(1.0, Norm(b), 1e-5);
        var na = Norm(a);
        Assert.True(Math.Abs(na - 1) > 1e-3, $"dlib's descriptor is not unit length by itself (norm {na}), so the test sees the normalisation");
        for (var k = 0; k < 128; k++)
        {
            Assert.Equal(a[k] / na / Math.Sqrt(2), f[k], 1e-5);
        }
        for (var k = 0; k < 192; k++)
        {
            Assert.Equal(b[k] / Math.Sqrt(2), f[128 + k], 1e-5);
        }
    }

    [SharedDataFact("data/lfw")]
    public void Analyze_MobileFaceNet_GivesTheEmbeddersDescriptorOfTheArcFaceChip()
    {
        // Arrange
        var photo = File.ReadAllBytes(Path.Combine(TestPaths.SharedData, "lfw", "Serena_Williams", "Serena_Williams_0001.jpg"));
        using var pipeline = new FacePipeline(Options(DescriptorModels.MobileFaceNet));
        var (image, faces) = pipeline.DecodeAndDetect(photo);

        // Act
        var analysed = pipeline.Analyze(photo).Faces[0];
        var chip = pipeline.Chip(image, faces[0]);
        var direct = pipeline.Embedder.Embed([chip]);

        // Assert: the 112×112 ArcFace chip, flip-averaged by the embedder, as the pipeline stores it
        Assert.Equal(112 * 112 * 3, chip.Length);
        Assert.Equal(192, analysed.Descriptor.Length);
        for (var k = 0; k < 192; k++)
        {
            Assert.Equal(direct[k], analysed.Descriptor[k], 1e-6);
        }
    }

    [Theory]
    [InlineData("arcface")]
    [InlineData("Dlib")]
    [InlineData("")]
    public void Constructor_UnknownModel_RefusedNamingTheAllowedValues(string model)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FacePipeline(Options(model)));

        Assert.Contains("Lookalike:Faces:Model must be 'dlib', 'mobilefacenet' or 'fused'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DescriptorModels.MobileFaceNet)]
    [InlineData(DescriptorModels.Fused)]
    public void Constructor_ArcFaceModelWithoutLandmarksOrWithJitter_Refused(string model)
    {
        var noLandmarks = new FaceOptions { ModelDirectory = TestPaths.Models, Model = model, UseLandmarks = false };
        var jitter = new FaceOptions { ModelDirectory = TestPaths.Models, Model = model, Jitter = 4 };

        Assert.Contains("UseLandmarks", Assert.Throws<ArgumentException>(() => new FacePipeline(noLandmarks)).Message, StringComparison.Ordinal);
        Assert.Contains("Jitter", Assert.Throws<ArgumentException>(() => new FacePipeline(jitter)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuse_TwoFaces_EachRowNormalisedHalvesThenWhole()
    {
        // Arrange: two faces, 2-D and 3-D halves
        float[] a = [3, 4, 0, 2];
        float[] b = [0, 0, 5, 1, 0, 0];

        // Act
        var f = FacePipeline.Fuse(a, 2, b, 3);

        // Assert
        var s = (float)(1 / Math.Sqrt(2));
        float[] expected = [0.6f * s, 0.8f * s, 0, 0, s, 0, s, s, 0, 0];
        Assert.Equal(expected.Length, f.Length);
        for (var k = 0; k < f.Length; k++)
        {
            Assert.Equal(expected[k], f[k], 1e-6);
        }
    }

    [Fact]
    public void Fuse_DifferentFaceCounts_Refused()
    {
        Assert.Throws<ArgumentException>(() => FacePipeline.Fuse(new float[4], 2, new float[3], 3));
        Assert.Throws<ArgumentException>(() => FacePipeline.Fuse(new float[5], 2, new float[6], 3));
    }

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
}
