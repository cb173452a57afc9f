using Lookalike.Faces;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Landmarks;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

public sealed class FaceLandmarkerTests
{
    [Theory]
    [InlineData("sample1.jpg", false)]
    [InlineData("sample3.jpg", false)]
    [InlineData("sample1.jpg", true)]
    [InlineData("sample3.jpg", true)]
    public void Detect_DemoFaces_EyeCentresAgreeWithBlazeFaceEyes(string file, bool flipAverage)
    {
        // Arrange
        var options = new FaceOptions { ModelDirectory = TestPaths.Models, LandmarkFlipAverage = flipAverage };
        var image = new Lookalike.Faces.Decoding.ImageDecoder(options).Decode(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", file)));
        using var detector = new BlazeFaceDetector(options);
        using var landmarker = new FaceLandmarker(options);
        var face = detector.Detect(image)[0];

        // Act
        var points = landmarker.Detect(image, face);

        // Assert: the mean of points 36–41 is the eye on the image's left, 42–47 the other one
        Assert.Equal(68, points.Count);
        var interocular = Distance(face.Keypoints[0], face.Keypoints[1]);
        Assert.True(Distance(Mean(points, 36, 42), face.Keypoints[0]) < 0.25 * interocular);
        Assert.True(Distance(Mean(points, 42, 48), face.Keypoints[1]) < 0.25 * interocular);
    }

    [Fact]
    public void Analyze_WithLandmarks_ReportsLandmarkTimeAndSameFaces()
    {
        // Arrange
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", "sample1.jpg"));
        using var plain = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, UseLandmarks = false });
        using var dlib = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, UseLandmarks = true });

        // Act
        var a = plain.Analyze(bytes);
        var b = dlib.Analyze(bytes);

        // Assert: same detections; descriptors of the two alignments of one face stay within dlib's 0.6
        Assert.Equal(a.Faces.Select(f => f.Detection.Box), b.Faces.Select(f => f.Detection.Box));
        Assert.True(b.Timings.LandmarksMs > 0);
        Assert.Equal(0, a.Timings.LandmarksMs);
        for (var i = 0; i < a.Faces.Count; i++)
        {
            Assert.True(FacePipelineTests.Distance(a.Faces[i].Descriptor, b.Faces[i].Descriptor) < 0.6);
        }
    }

    private static Point2 Mean(IReadOnlyList<Point2> p, int from, int to)
    {
        var pts = p.Skip(from).Take(to - from).ToArray();
        return new Point2(pts.Average(q => q.X), pts.Average(q => q.Y));
    }

    private static float Distance(Point2 a, Point2 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
