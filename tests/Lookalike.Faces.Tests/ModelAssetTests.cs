using Lookalike.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.Tests;

public sealed class ModelAssetTests
{
    [Theory]
    [InlineData("face_detection_back_256x256_barracuda.onnx", 256)]
    [InlineData("face_detection_front_128x128_barracuda.onnx", 128)]
    public void BlazeFace_LoadsInOnnxRuntime_WithNhwcInput(string file, int size)
    {
        var path = Path.Combine(TestPaths.Models, "blazeface", file);

        using var session = new InferenceSession(path);

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input:0", input.Key);
        Assert.Equal(new[] { 1, size, size, 3 }, input.Value.Dimensions);
        Assert.Equal(4, session.OutputMetadata.Count);
    }

    [Theory]
    [InlineData("face_recognition_model")]
    [InlineData("face_landmark_68_model")]
    [InlineData("age_gender_model")]
    public void FaceApiWeights_ArePresent_WithManifest(string name)
    {
        var bin = Path.Combine(TestPaths.Models, "face-api", name + ".bin");
        var manifest = Path.Combine(TestPaths.Models, "face-api", name + "-weights_manifest.json");

        Assert.True(File.Exists(bin), bin);
        Assert.True(new FileInfo(bin).Length > 100_000, "weights file is too small to be the model");
        Assert.Contains("\"weights\"", File.ReadAllText(manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void DemoPhotos_AreShippedWithTheModels()
    {
        var demo = Path.Combine(TestPaths.Models, "face-api", "demo");

        Assert.Equal(6, Directory.GetFiles(demo, "sample*.jpg").Length);
    }
}
