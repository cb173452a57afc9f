using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>Boxes and keypoints of faces cut by the image edge stay inside the image.</summary>
public sealed class DetectorClampTests
{
    [Fact]
    public void Detect_FacesCutByTheEdge_BoxesAndKeypointsLieInsideTheImage()
    {
        // Arrange: every demo face, cropped so that the left or the top edge runs through it (BlazeFace then regresses
        // eye and ear points beyond the edge)
        var options = new FaceOptions { ModelDirectory = TestPaths.Models, MinFaceSide = 0 };
        var decoder = new ImageDecoder(options);
        using var detector = new BlazeFaceDetector(options);
        var crops = new List<RgbImage>();
        foreach (var file in new[] { "sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg" })
        {
            var photo = decoder.Decode(File.ReadAllBytes(Path.Combine(TestPaths.Models, "face-api", "demo", file)));
            foreach (var face in detector.Detect(photo))
            {
                foreach (var cut in new[] { 0.2f, 0.35f, 0.5f })
                {
                    crops.Add(Crop(photo, (int)(face.Box.X + (cut * face.Box.Width)), (int)face.Box.Y - 10));
                    crops.Add(Crop(photo, (int)face.Box.X - 10, (int)(face.Box.Y + (cut * face.Box.Height))));
                }
            }
        }

        // Act
        var detections = crops.Select(c => (Image: c, Faces: detector.Detect(c))).ToList();

        // Assert
        Assert.True(detections.Sum(d => d.Faces.Count) >= 10, "too few faces found in the cut crops for the test to mean anything");
        foreach (var (image, faces) in detections)
        {
            foreach (var f in faces)
            {
                Assert.InRange(f.Box.X, 0, image.Width);
                Assert.InRange(f.Box.Y, 0, image.Height);
                Assert.InRange(f.Box.X + f.Box.Width, 0, image.Width);
                Assert.InRange(f.Box.Y + f.Box.Height, 0, image.Height);
                foreach (var k in f.Keypoints)
                {
                    Assert.InRange(k.X, 0, image.Width);
                    Assert.InRange(k.Y, 0, image.Height);
                }
            }
        }
    }

    /// <summary>The part of <paramref name="image"/> right of <paramref name="left"/> and below <paramref name="top"/> (both clamped to the image).</summary>
    private static RgbImage Crop(RgbImage image, int left, int top)
    {
        left = Math.Clamp(left, 0, image.Width - 64);
        top = Math.Clamp(top, 0, image.Height - 64);
        var (w, h) = (image.Width - left, image.Height - top);
        var pixels = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
        {
            image.Pixels.AsSpan((((top + y) * image.Width) + left) * 3, w * 3).CopyTo(pixels.AsSpan(y * w * 3));
        }
        return new RgbImage(w, h, pixels, image.Format);
    }
}
