using Lookalike.Faces.Alignment;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.Landmarks;

/// <summary>
/// 68-point facial landmarks (iBUG 300-W numbering: 0–16 jaw, 17–26 brows, 27–35 nose, 36–47 eyes, 48–67 mouth) from
/// face-api.js's FaceLandmark68Net (V. Mühler, face-api.js; weights from @vladmandic/face-api 1.7.15), built as an ONNX
/// graph at start-up and run on ONNX Runtime.
/// </summary>
/// <remarks>
/// The network sees a 112×112 square around the BlazeFace box: centred on the box, side <see cref="CropScale"/> × the box
/// side, rotated so the BlazeFace eyes are level (face-api.js crops upright boxes of its own detectors, which are
/// larger than BlazeFace's). The points are mapped back to source pixels. Thread-safe.
/// </remarks>
public sealed class FaceLandmarker : OnnxModel
{
    /// <summary>Side of the square the network sees, as a multiple of the BlazeFace box side.</summary>
    public const float CropScale = 1.25f;

    /// <summary>Downward shift of the crop centre, as a fraction of the box side (BlazeFace boxes sit high: brows to mouth).</summary>
    public const float CropShiftDown = 0.08f;

    private const int Size = FaceLandmarkGraph.InputSize;
    private readonly bool _flipAverage;

    /// <summary>iBUG 68-point index of each point's mirror partner (jaw, brows, nose wings, eyes and mouth swap sides).</summary>
    private static readonly int[] MirrorIndex = BuildMirrorIndex();

    /// <summary>Builds the network from <c>face-api/face_landmark_68_model.bin</c> and its manifest.</summary>
    /// <param name="options">Model folder, threads, CUDA.</param>
    /// <exception cref="FileNotFoundException">The weights or manifest are missing.</exception>
    /// <exception cref="InvalidDataException">The weights do not match the manifest.</exception>
    /// <exception cref="InvalidOperationException">The built model's input or output is not [N,3,112,112] → [N,136].</exception>
    public FaceLandmarker(FaceOptions options) : base(BuildModel(options), options)
    {
        _flipAverage = options.LandmarkFlipAverage;
        const string message = "The landmark model must map [N,3,112,112] to [N,136].";
        RequireInput(FaceLandmarkGraph.InputName, [-1, 3, Size, Size], message);
        RequireOutput(FaceLandmarkGraph.OutputName, [-1, 136], message);
    }

    private static byte[] BuildModel(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.Combine(options.ModelDirectory, "face-api");
        var bin = Path.Combine(dir, "face_landmark_68_model.bin");
        var manifest = Path.Combine(dir, "face_landmark_68_model-weights_manifest.json");
        if (!File.Exists(bin) || !File.Exists(manifest))
        {
            throw new FileNotFoundException($"face-api.js landmark weights not found in {dir}; build the solution to fetch the models.", bin);
        }
        return FaceLandmarkGraph.Build(File.ReadAllBytes(bin), File.ReadAllText(manifest));
    }

    /// <summary>Finds the 68 landmarks of one detected face.</summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="face">The BlazeFace detection (box and eye keypoints).</param>
    /// <returns>68 points in source pixels (same convention as <see cref="DetectedFace.Keypoints"/>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public IReadOnlyList<Point2> Detect(RgbImage image, DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(face);
        var side = Math.Max(face.Box.Width, face.Box.Height) * CropScale;
        var angle = face.Keypoints.Count >= 2
            ? MathF.Atan2(face.Keypoints[1].Y - face.Keypoints[0].Y, face.Keypoints[1].X - face.Keypoints[0].X)
            : 0f;
        var scale = Size / side;
        // source → crop: rotate by −angle about the centre, scale, move the centre to the crop centre.
        var a = scale * MathF.Cos(-angle);
        var b = scale * MathF.Sin(-angle);
        var cx = face.Box.Centre.X - 0.5f - (MathF.Sin(angle) * CropShiftDown * face.Box.Height);
        var cy = face.Box.Centre.Y - 0.5f + (MathF.Cos(angle) * CropShiftDown * face.Box.Height);
        var half = (Size - 1) / 2f;
        var t = new SimilarityTransform(a, b, half - ((a * cx) - (b * cy)), half - ((b * cx) + (a * cy)));
        var crop = FaceAligner.Warp(image, t, Size);

        var raw = Run(crop);
        if (_flipAverage)
        {
            var mirrored = Run(FaceAligner.Mirror(crop, Size));
            for (var k = 0; k < 68; k++)
            {
                var m = MirrorIndex[k];
                raw[2 * k] = (raw[2 * k] + (1f - mirrored[2 * m])) * 0.5f;
                raw[(2 * k) + 1] = (raw[(2 * k) + 1] + mirrored[(2 * m) + 1]) * 0.5f;
            }
        }
        var points = new Point2[68];
        var inv = t.Inverse();
        for (var k = 0; k < 68; k++)
        {
            var (x, y) = inv.Apply((raw[2 * k] * Size) - 0.5f, (raw[(2 * k) + 1] * Size) - 0.5f);
            points[k] = new Point2(x + 0.5f, y + 0.5f);
        }
        return points;
    }

    /// <summary>Runs the network on a 112×112 RGB crop; returns 136 values: 68 (x, y) pairs in [0, 1] of the crop.</summary>
    internal float[] Run(ReadOnlySpan<byte> crop)
    {
        const int plane = Size * Size;
        var input = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            input[i] = crop[i * 3];
            input[plane + i] = crop[(i * 3) + 1];
            input[(2 * plane) + i] = crop[(i * 3) + 2];
        }
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, Size, Size]);
        using var outputs = Run(FaceLandmarkGraph.InputName, value, [FaceLandmarkGraph.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static int[] BuildMirrorIndex()
    {
        var map = Enumerable.Range(0, 68).ToArray();
        void Swap(int a, int b)
        {
            map[a] = b;
            map[b] = a;
        }
        for (var i = 0; i <= 7; i++)
        {
            Swap(i, 16 - i); // jaw
        }
        for (var i = 17; i <= 21; i++)
        {
            Swap(i, 43 - i); // brows 17–21 ↔ 26–22
        }
        Swap(31, 35);
        Swap(32, 34);
        Swap(36, 45);
        Swap(37, 44);
        Swap(38, 43);
        Swap(39, 42);
        Swap(40, 47);
        Swap(41, 46);
        Swap(48, 54);
        Swap(49, 53);
        Swap(50, 52);
        Swap(55, 59);
        Swap(56, 58);
        Swap(60, 64);
        Swap(61, 63);
        Swap(65, 67);
        return map;
    }
}
