using Lookalike.Faces;
using Lookalike.Faces.Embedding;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>The image cases of ../shared/bugs/LOG.md that need the whole pipeline (detection and descriptors).</summary>
public sealed class BugLogPipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private readonly FacePipeline _pipeline = fixture.Pipeline;

    private static byte[] Input(string name) => File.ReadAllBytes(Path.Combine(TestPaths.BugInputs, name));

    private float[] ControlDescriptor() => Assert.Single(_pipeline.Analyze(Input("b01_upright_control.jpg")).Faces).Descriptor;

    [SharedDataFact("bugs/inputs")]
    public void Analyze_ExifRotatedPhotos_FindTheControlFaceWithCosineDistanceAtMost010()
    {
        // Arrange
        var control = ControlDescriptor();

        foreach (var name in new[] { "b01_exif_orient6.jpg", "b01_exif_orient8.jpg", "b01_exif_orient3.jpg" })
        {
            // Act
            var analysis = _pipeline.Analyze(Input(name));

            // Assert: the face lies in x 150–380, y 120–350 of the upright 512×600 frame (B01)
            var box = analysis.Faces[0].Detection.Box;
            Assert.InRange(box.X, 150, 380);
            Assert.InRange(box.X + box.Width, 150, 380);
            Assert.InRange(box.Y, 120, 350);
            Assert.InRange(box.Y + box.Height, 120, 350);
            Assert.True(CosineDistance(control, analysis.Faces[0].Descriptor) <= 0.10, name);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_GreyPaletteAlphaCmykAndWebP_FindOneFaceCloseToTheControl()
    {
        // Arrange
        var control = ControlDescriptor();
        var cases = new (string Name, double MaxCosine)[]
        {
            ("b03_gray_1channel.jpg", 0.20), ("b04_rgba_transparent_bg.png", 0.20), ("b04_gray_alpha.png", 0.20),
            ("b04_palette_8bit.png", 0.20), ("b09_webp_face.webp", 0.10), ("b08_png_content_named.jpg", 0.10),
            ("b17_gallery_lfw_style/Person_A/Person_A_0004.JPG", 0.20), // CMYK JPEG
        };

        foreach (var (name, max) in cases)
        {
            // Act
            var analysis = _pipeline.Analyze(Input(name));

            // Assert
            var face = Assert.Single(analysis.Faces);
            var distance = CosineDistance(control, face.Descriptor);
            Assert.True(distance <= max, $"{name}: cosine distance {distance:0.000} > {max}");
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_NoFaceInputs_ReturnNoFacesWithoutException()
    {
        foreach (var name in new[] { "b11_no_face_fruits.jpg", "b11_flat_gray_640x480.png", "b08_animated_gif_face_in_frame2.gif", "b10_tiny_face_40px_wide.jpg" })
        {
            // Act
            var analysis = _pipeline.Analyze(Input(name));

            // Assert
            Assert.Empty(analysis.Faces);
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_TwoFaces_LargeLeftFaceFirstAndMatchesTheControl()
    {
        // Arrange
        var control = ControlDescriptor();

        // Act
        var analysis = _pipeline.Analyze(Input("b12_two_faces_large_left_small_right.jpg"));

        // Assert
        Assert.Equal(2, analysis.Faces.Count);
        Assert.True(analysis.Faces[0].Detection.Box.X < analysis.Faces[1].Detection.Box.X);
        Assert.True(analysis.Faces[0].Detection.Box.Area > analysis.Faces[1].Detection.Box.Area);
        Assert.True(CosineDistance(control, analysis.Faces[0].Descriptor) <= 0.10);
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_MainFacePlusCrowd_CentralSharpFaceFirstAndOrderStable()
    {
        // Arrange
        var bytes = Input("b12_one_main_face_plus_crowd_messi5.jpg");

        // Act
        var first = _pipeline.Analyze(bytes);
        var second = _pipeline.Analyze(bytes);

        // Assert
        Assert.NotEmpty(first.Faces);
        Assert.Equal(first.Faces.Select(f => f.Detection.Box), second.Faces.Select(f => f.Detection.Box));
        Assert.True(first.Faces.All(f => f.Detection.Box.Area <= first.Faces[0].Detection.Box.Area));
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_PhoneSizedPhotoAndWebcamFrame_ProcessedFully()
    {
        foreach (var name in new[] { "b14_phone_size_3000x3516.jpg", "b15_webcam_frame_1280x720.jpg" })
        {
            // Act
            var analysis = _pipeline.Analyze(Input(name));

            // Assert
            Assert.True(analysis.Image.Width >= 1280, name);
            Assert.All(analysis.Faces, f => Assert.Equal(FaceEmbedder.DescriptorLength, f.Descriptor.Length));
        }
    }

    [SharedDataFact("bugs/inputs")]
    public void Analyze_CorruptFile_ThrowsTheOneRejectionType()
    {
        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _pipeline.Analyze(Input("b06_truncated_half.jpg")));

        // Assert
        Assert.Equal(ImageRejectReason.CorruptOrIncomplete, ex.Reason);
    }

    private static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return 1 - (dot / Math.Sqrt(na * nb));
    }
}
