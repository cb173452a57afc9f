using Lookalike.Faces.Imaging;

namespace Lookalike.Faces.Alignment;

/// <summary>
/// Cuts a face out of a photo as a 150×150 RGB "chip" in the geometry the dlib ResNet-34 descriptor was trained on:
/// a least-squares similarity transform (rotation, uniform scale, translation; no shear or reflection) maps the
/// BlazeFace keypoints onto a fixed template, dlib-style with 25% padding around the face.
/// </summary>
/// <remarks>
/// Template (chip pixels, pixel centres at integers): eye on the image's left (47.55, 46.60), eye on the image's right
/// (100.48, 46.60), nose tip (74.01, 76.56) with weight 0.5, mouth centre (74.01, 104.91); the ear keypoints are not
/// used. Source: the template of Lookalike issue #3, fitted to dlib's <c>get_face_chip_details</c> (size 150, padding
/// 0.25) on BlazeFace keypoints. Sampling is bilinear, supersampled when the face is shrunk by more than 1.5×; pixels
/// outside the photo are black, as in dlib's <c>extract_image_chips</c>. Stateless and thread-safe.
/// </remarks>
public sealed class FaceAligner
{
    /// <summary>Side of the chip in pixels (150, the descriptor's input size).</summary>
    public const int ChipSize = 150;

    /// <summary>Side of the JPEG thumbnails in pixels (112).</summary>
    public const int ThumbnailSize = 112;

    private static readonly Point2[] Template = [new(47.55f, 46.60f), new(100.48f, 46.60f), new(74.01f, 76.56f), new(74.01f, 104.91f)];
    private static readonly float[] TemplateWeights = [1f, 1f, 0.5f, 1f];

    /// <summary>Aligns one detected face.</summary>
    /// <param name="image">The upright photo the face was detected in.</param>
    /// <param name="face">The detection; its first four keypoints (eyes, nose tip, mouth centre) are used.</param>
    /// <returns>The chip: row-major [150, 150, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="face"/> has fewer than four keypoints.</exception>
    public byte[] Align(RgbImage image, DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(image);
        return WarpFrom(image, TemplateChipToImage(face), ChipSize);
    }

    /// <summary>
    /// The jittered chips of one detected face (template alignment, as <see cref="Align"/>): one chip per sample of
    /// <paramref name="samples"/>, each sampled from the photo with the sample's rotation, zoom, shift and mirror.
    /// </summary>
    /// <param name="image">The upright photo the face was detected in.</param>
    /// <param name="face">The detection; its first four keypoints are used.</param>
    /// <param name="samples">The jitter samples (see <see cref="ChipJitter.Create"/>).</param>
    /// <returns>One chip per sample, each row-major [150, 150, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="face"/> has fewer than four keypoints.</exception>
    public IReadOnlyList<byte[]> AlignJittered(RgbImage image, DetectedFace face, IReadOnlyList<JitterSample> samples)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(samples);
        return Jittered(image, TemplateChipToImage(face), samples);
    }

    private static SimilarityTransform TemplateChipToImage(DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Keypoints.Count < 4)
        {
            throw new ArgumentException("The face needs at least four keypoints (eyes, nose tip, mouth centre).", nameof(face));
        }
        Span<Point2> from = stackalloc Point2[4];
        for (var i = 0; i < 4; i++)
        {
            // Keypoints use pixel edges (pixel i covers [i, i+1)); the warp uses pixel centres at integers.
            from[i] = new Point2(face.Keypoints[i].X - 0.5f, face.Keypoints[i].Y - 0.5f);
        }
        return SimilarityTransform.Fit(from, Template, TemplateWeights).Inverse();
    }

    /// <summary>
    /// Aligns a face the way dlib's <c>get_face_chip_details(shape, 150, 0.25)</c> does for its 5-point shape: the outer
    /// and inner eye corners and the base of the nose (68-point indices 45, 42, 36, 39, 33) are fitted to dlib's mean
    /// 5-point face (least squares, chip → image, as dlib fits it).
    /// </summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="landmarks68">The 68 iBUG landmarks in source pixels (see <see cref="Landmarks.FaceLandmarker"/>).</param>
    /// <returns>The chip: row-major [150, 150, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks.</exception>
    public byte[] AlignDlib(RgbImage image, IReadOnlyList<Point2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(image);
        return WarpFrom(image, DlibChipToImage(landmarks68), ChipSize);
    }

    /// <summary>
    /// The jittered chips of one face (dlib 5-point alignment, as <see cref="AlignDlib"/>): one chip per sample of
    /// <paramref name="samples"/>, each sampled from the photo with the sample's rotation, zoom, shift and mirror.
    /// </summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="landmarks68">The 68 iBUG landmarks in source pixels.</param>
    /// <param name="samples">The jitter samples (see <see cref="ChipJitter.Create"/>).</param>
    /// <returns>One chip per sample, each row-major [150, 150, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks.</exception>
    public IReadOnlyList<byte[]> AlignDlibJittered(RgbImage image, IReadOnlyList<Point2> landmarks68, IReadOnlyList<JitterSample> samples)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(samples);
        return Jittered(image, DlibChipToImage(landmarks68), samples);
    }

    /// <summary>Side of the ArcFace chip (<see cref="AlignArcFace"/>) in pixels: 112.</summary>
    public const int ArcFaceChipSize = 112;

    /// <summary>The ArcFace / insightface 5-point template of the 112×112 chip (pixel centres): eyes, nose tip, mouth corners.</summary>
    private static readonly Point2[] ArcFaceTemplate =
        [new(38.2946f, 51.6963f), new(73.5318f, 51.5014f), new(56.0252f, 71.7366f), new(41.5493f, 92.3655f), new(70.7299f, 92.2041f)];

    /// <summary>
    /// Cuts the 112×112 chip of the ArcFace 5-point template (as insightface and MobileFaceNet were trained on): a
    /// least-squares similarity from the five points taken from the 68 landmarks — the centres of the two eyes (points
    /// 36–41 and 42–47), the nose tip (30) and the mouth corners (48, 54) — onto the template, bilinear sampling.
    /// </summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="landmarks68">The 68 iBUG landmarks in source pixels.</param>
    /// <returns>Row-major [112, 112, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks.</exception>
    public byte[] AlignArcFace(RgbImage image, IReadOnlyList<Point2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count < 68)
        {
            throw new ArgumentException("68 landmarks are needed.", nameof(landmarks68));
        }
        static Point2 Mean(IReadOnlyList<Point2> p, int from, int count)
        {
            float x = 0, y = 0;
            for (var i = from; i < from + count; i++)
            {
                x += p[i].X;
                y += p[i].Y;
            }
            return new Point2(x / count, y / count);
        }
        Span<Point2> imagePoints = stackalloc Point2[5];
        imagePoints[0] = Mean(landmarks68, 36, 6);
        imagePoints[1] = Mean(landmarks68, 42, 6);
        imagePoints[2] = landmarks68[30];
        imagePoints[3] = landmarks68[48];
        imagePoints[4] = landmarks68[54];
        for (var i = 0; i < 5; i++)
        {
            imagePoints[i] = new Point2(imagePoints[i].X - 0.5f, imagePoints[i].Y - 0.5f); // as the dlib fit: pixel centres
        }
        return WarpFrom(image, SimilarityTransform.Fit(ArcFaceTemplate, imagePoints, []), ArcFaceChipSize);
    }

    /// <summary>dlib's 5-point fit, chip → image (least squares over the mean 5-point face, as dlib fits it).</summary>
    private static SimilarityTransform DlibChipToImage(IReadOnlyList<Point2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count < 68)
        {
            throw new ArgumentException("68 landmarks are needed.", nameof(landmarks68));
        }
        Span<Point2> chipPoints = stackalloc Point2[5];
        Span<Point2> imagePoints = stackalloc Point2[5];
        for (var i = 0; i < 5; i++)
        {
            var (mx, my) = DlibMeanFive[i];
            chipPoints[i] = new Point2((DlibPadding + mx) / (1 + (2 * DlibPadding)) * ChipSize, (DlibPadding + my) / (1 + (2 * DlibPadding)) * ChipSize);
            var p = landmarks68[DlibFiveFrom68[i]];
            imagePoints[i] = new Point2(p.X - 0.5f, p.Y - 0.5f);
        }
        return SimilarityTransform.Fit(chipPoints, imagePoints, []);
    }

    private static byte[][] Jittered(RgbImage image, SimilarityTransform chipToImage, IReadOnlyList<JitterSample> samples)
    {
        var chips = new byte[samples.Count][];
        for (var i = 0; i < chips.Length; i++)
        {
            var chip = WarpFrom(image, chipToImage.After(ChipJitter.ToPlainChip(samples[i], ChipSize)), ChipSize);
            chips[i] = samples[i].Mirror ? Mirror(chip) : chip;
        }
        return chips;
    }

    /// <summary>
    /// Aligns a face the way dlib's <c>get_face_chip_details(shape, 150, 0.25)</c> does for a 68-point shape: the 32
    /// points 27–54 and 60–64 (nose, eyes, outer and upper-inner lips; brows and lower lip ignored) are fitted to dlib's
    /// mean face (least squares, chip → image).
    /// </summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="landmarks68">The 68 iBUG landmarks in source pixels.</param>
    /// <returns>The chip: row-major [150, 150, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks.</exception>
    public byte[] AlignDlib68(RgbImage image, IReadOnlyList<Point2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count < 68)
        {
            throw new ArgumentException("68 landmarks are needed.", nameof(landmarks68));
        }
        var chipPoints = new List<Point2>(32);
        var imagePoints = new List<Point2>(32);
        for (var i = 27; i < 68; i++)
        {
            if (i is (>= 55 and <= 59) or (>= 65 and <= 67))
            {
                continue;
            }
            chipPoints.Add(new Point2(
                (DlibPadding + DlibMeanShapeX[i - 17]) / (1 + (2 * DlibPadding)) * ChipSize,
                (DlibPadding + DlibMeanShapeY[i - 17]) / (1 + (2 * DlibPadding)) * ChipSize));
            imagePoints.Add(new Point2(landmarks68[i].X - 0.5f, landmarks68[i].Y - 0.5f));
        }
        var chipToImage = SimilarityTransform.Fit(chipPoints.ToArray(), imagePoints.ToArray(), []);
        return WarpFrom(image, chipToImage, ChipSize);
    }

    /// <summary>dlib's mean face, points 17–67 (dlib/image_transforms/interpolation.h, get_face_chip_details), x in [0, 1].</summary>
    private static readonly float[] DlibMeanShapeX =
    [
        0.000213256f, 0.0752622f, 0.18113f, 0.29077f, 0.393397f, 0.586856f, 0.689483f, 0.799124f,
        0.904991f, 0.98004f, 0.490127f, 0.490127f, 0.490127f, 0.490127f, 0.36688f, 0.426036f,
        0.490127f, 0.554217f, 0.613373f, 0.121737f, 0.187122f, 0.265825f, 0.334606f, 0.260918f,
        0.182743f, 0.645647f, 0.714428f, 0.793132f, 0.858516f, 0.79751f, 0.719335f, 0.254149f,
        0.340985f, 0.428858f, 0.490127f, 0.551395f, 0.639268f, 0.726104f, 0.642159f, 0.556721f,
        0.490127f, 0.423532f, 0.338094f, 0.290379f, 0.428096f, 0.490127f, 0.552157f, 0.689874f,
        0.553364f, 0.490127f, 0.42689f,
    ];

    /// <summary>dlib's mean face, points 17–67, y in [0, 1].</summary>
    private static readonly float[] DlibMeanShapeY =
    [
        0.106454f, 0.038915f, 0.0187482f, 0.0344891f, 0.0773906f, 0.0773906f, 0.0344891f,
        0.0187482f, 0.038915f, 0.106454f, 0.203352f, 0.307009f, 0.409805f, 0.515625f, 0.587326f,
        0.609345f, 0.628106f, 0.609345f, 0.587326f, 0.216423f, 0.178758f, 0.179852f, 0.231733f,
        0.245099f, 0.244077f, 0.231733f, 0.179852f, 0.178758f, 0.216423f, 0.244077f, 0.245099f,
        0.780233f, 0.745405f, 0.727388f, 0.742578f, 0.727388f, 0.745405f, 0.780233f, 0.864805f,
        0.902192f, 0.909281f, 0.902192f, 0.864805f, 0.784792f, 0.778746f, 0.785343f, 0.778746f,
        0.784792f, 0.824182f, 0.831803f, 0.824182f,
    ];

    /// <summary>Padding of dlib's face chips for the descriptor (0.25 of the face size on each side).</summary>
    private const float DlibPadding = 0.25f;

    /// <summary>dlib's mean 5-point face (dlib/image_transforms/interpolation.h, get_face_chip_details), in [0, 1] of the unpadded face.</summary>
    private static readonly (float X, float Y)[] DlibMeanFive =
    [
        (0.8595674595992f, 0.2134981538014f), (0.6460604764104f, 0.2289674387677f), (0.1205750620789f, 0.2137274526848f),
        (0.3340850613712f, 0.2290642403242f), (0.4901123135679f, 0.6277975316475f),
    ];

    /// <summary>The 68-point indices of dlib's 5 points: eye on the image's right (outer, inner), eye on the image's left (outer, inner), nose base.</summary>
    private static readonly int[] DlibFiveFrom68 = [45, 42, 36, 39, 33];

    /// <summary>The fallback chip when no face was found: the centred square of side 0.6 × the shorter image side, scaled to <paramref name="size"/>×<paramref name="size"/> (for pre-aligned datasets such as LFW).</summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="size">Chip side in pixels: <see cref="ChipSize"/> (150, dlib; default) or <see cref="ArcFaceChipSize"/> (112, MobileFaceNet).</param>
    /// <returns>The chip: row-major [size, size, 3] RGB bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public byte[] AlignCentred(RgbImage image, int size = ChipSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var side = 0.6f * Math.Min(image.Width, image.Height);
        var scale = size / side;
        var cx = (image.Width / 2f) - 0.5f;
        var cy = (image.Height / 2f) - 0.5f;
        var t = new SimilarityTransform(scale, 0, ((size - 1) / 2f) - (scale * cx), ((size - 1) / 2f) - (scale * cy));
        return Warp(image, t, size);
    }

    /// <summary>The mirror image (left ↔ right) of a chip.</summary>
    /// <param name="chip">Row-major [size, size, 3] RGB bytes.</param>
    /// <param name="size">Side of the chip in pixels.</param>
    /// <returns>A new mirrored chip.</returns>
    public static byte[] Mirror(ReadOnlySpan<byte> chip, int size = ChipSize)
    {
        var result = new byte[chip.Length];
        for (var y = 0; y < size; y++)
        {
            var row = y * size * 3;
            for (var x = 0; x < size; x++)
            {
                var s = row + (x * 3);
                var d = row + ((size - 1 - x) * 3);
                result[d] = chip[s];
                result[d + 1] = chip[s + 1];
                result[d + 2] = chip[s + 2];
            }
        }
        return result;
    }

    /// <summary>A 112×112 JPEG of a chip (for lists and result cards).</summary>
    /// <param name="chip">Row-major [150, 150, 3] RGB bytes.</param>
    /// <param name="quality">JPEG quality 1–100.</param>
    /// <returns>JPEG bytes of a 112×112 image.</returns>
    public static byte[] Thumbnail(ReadOnlySpan<byte> chip, int quality = 85)
    {
        var small = new byte[ThumbnailSize * ThumbnailSize * 3];
        Resampler.Resize(chip, ChipSize, ChipSize, small, ThumbnailSize, ThumbnailSize);
        return JpegEncoder.Encode(small, ThumbnailSize, ThumbnailSize, quality);
    }

    /// <summary>Samples an output square of side <paramref name="size"/> where output pixel q comes from source point t⁻¹(q).</summary>
    internal static byte[] Warp(RgbImage image, SimilarityTransform t, int size) => WarpFrom(image, t.Inverse(), size);

    /// <summary>Samples an output square of side <paramref name="size"/> where output pixel q comes from source point <paramref name="inv"/>(q).</summary>
    internal static byte[] WarpFrom(RgbImage image, SimilarityTransform inv, int size)
    {
        var chip = new byte[size * size * 3];
        var shrink = inv.Scale; // source pixels per chip pixel
        var n = shrink > 1.5f ? Math.Min(4, (int)MathF.Ceiling(shrink)) : 1;
        var w = image.Width;
        var h = image.Height;
        var px = image.Pixels;
        Span<float> acc = stackalloc float[3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                acc.Clear();
                for (var sy = 0; sy < n; sy++)
                {
                    for (var sx = 0; sx < n; sx++)
                    {
                        var qx = x + (((sx + 0.5f) / n) - 0.5f);
                        var qy = y + (((sy + 0.5f) / n) - 0.5f);
                        var (fx, fy) = inv.Apply(qx, qy);
                        var x0 = (int)MathF.Floor(fx);
                        var y0 = (int)MathF.Floor(fy);
                        var ax = fx - x0;
                        var ay = fy - y0;
                        for (var c = 0; c < 3; c++)
                        {
                            var v00 = Pixel(px, w, h, x0, y0, c);
                            var v10 = Pixel(px, w, h, x0 + 1, y0, c);
                            var v01 = Pixel(px, w, h, x0, y0 + 1, c);
                            var v11 = Pixel(px, w, h, x0 + 1, y0 + 1, c);
                            acc[c] += ((v00 * (1 - ax)) + (v10 * ax)) * (1 - ay) + (((v01 * (1 - ax)) + (v11 * ax)) * ay);
                        }
                    }
                }
                var d = ((y * size) + x) * 3;
                var norm = 1f / (n * n);
                for (var c = 0; c < 3; c++)
                {
                    chip[d + c] = (byte)Math.Clamp((acc[c] * norm) + 0.5f, 0f, 255f);
                }
            }
        }
        return chip;
    }

    private static float Pixel(byte[] px, int w, int h, int x, int y, int c) =>
        (uint)x < (uint)w && (uint)y < (uint)h ? px[(((y * w) + x) * 3) + c] : 0f;
}
