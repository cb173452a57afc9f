using Lookalike.Faces.Alignment;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.AgeGender;

/// <summary>
/// <see cref="IAgeGenderEstimator"/> on face-api.js's AgeGenderNet, built as an ONNX graph at start-up from
/// <c>face-api/age_gender_model.bin</c> and its manifest and run on ONNX Runtime. Thread-safe.
/// </summary>
/// <remarks>
/// Input preparation as face-api.js's <c>detectAllFaces(...).withFaceLandmarks().withAgeAndGender()</c>: the crop is
/// the landmarks' "aligned rect" (<c>FaceLandmarks.alignDlib</c>: a square of side ⌊mean eye-to-mouth distance / 0.45⌋
/// placed so the centre of (left eye, right eye, mouth) sits at 50 % across and 43 % down), upright (not rotated),
/// resized bilinearly to 112×112 RGB; pixels outside the photo are black, as face-api.js's square padding is. (Near
/// the photo's border face-api.js clips the rect and re-centres the clipped part; this crop keeps the face in place.)
/// </remarks>
public sealed class AgeGenderEstimator : OnnxModel, IAgeGenderEstimator
{
    private const int Size = AgeGenderGraph.InputSize;

    /// <summary>Builds the network.</summary>
    /// <param name="options">Model folder, threads, CUDA.</param>
    /// <exception cref="FileNotFoundException">The weights or manifest are missing.</exception>
    /// <exception cref="InvalidDataException">The weights do not match the manifest.</exception>
    /// <exception cref="InvalidOperationException">The built model's input or output is not [N,3,112,112] → [N,3].</exception>
    public AgeGenderEstimator(FaceOptions options) : base(BuildModel(options), options)
    {
        const string message = "The age/gender model must map [N,3,112,112] to [N,3].";
        RequireInput(AgeGenderGraph.InputName, [-1, 3, Size, Size], message);
        RequireOutput(AgeGenderGraph.OutputName, [-1, 3], message);
    }

    private static byte[] BuildModel(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.Combine(options.ModelDirectory, "face-api");
        var bin = Path.Combine(dir, "age_gender_model.bin");
        var manifest = Path.Combine(dir, "age_gender_model-weights_manifest.json");
        if (!File.Exists(bin) || !File.Exists(manifest))
        {
            throw new FileNotFoundException($"face-api.js age/gender weights not found in {dir}; build the solution to fetch the models.", bin);
        }
        return AgeGenderGraph.Build(File.ReadAllBytes(bin), File.ReadAllText(manifest));
    }

    /// <inheritdoc />
    public AgeGenderEstimate Estimate(RgbImage image, IReadOnlyList<Point2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count != 68)
        {
            throw new ArgumentException($"Expected 68 landmarks, got {landmarks68.Count}.", nameof(landmarks68));
        }
        var (x0, y0, side) = AlignedRect(landmarks68);
        // crop pixel q (centre q + 0.5) samples source point x0 + (q + 0.5)·s, i.e. source pixel index x0 + (q + 0.5)·s − 0.5.
        var s = side / (float)Size;
        var t = new SimilarityTransform(1f / s, 0f, ((0.5f - x0) / s) - 0.5f, ((0.5f - y0) / s) - 0.5f);
        var r = Run(FaceAligner.Warp(image, t, Size));
        return new AgeGenderEstimate(r[0], r[1]);
    }

    /// <summary>face-api.js's <c>FaceLandmarks.alignDlib</c> square: top-left corner and side in source pixels.</summary>
    internal static (int X, int Y, int Side) AlignedRect(IReadOnlyList<Point2> p)
    {
        var left = Mean(p, 36, 42);
        var right = Mean(p, 42, 48);
        var mouth = Mean(p, 48, 68);
        static float Dist(Point2 a, Point2 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
        var eyeToMouth = (Dist(mouth, left) + Dist(mouth, right)) / 2f;
        var side = Math.Max(1, (int)MathF.Floor(eyeToMouth / 0.45f));
        var cx = (left.X + right.X + mouth.X) / 3f;
        var cy = (left.Y + right.Y + mouth.Y) / 3f;
        return ((int)MathF.Floor(MathF.Max(0, cx - (0.5f * side))), (int)MathF.Floor(MathF.Max(0, cy - (0.43f * side))), side);
    }

    private static Point2 Mean(IReadOnlyList<Point2> p, int from, int to)
    {
        float x = 0, y = 0;
        for (var i = from; i < to; i++)
        {
            x += p[i].X;
            y += p[i].Y;
        }
        return new Point2(x / (to - from), y / (to - from));
    }

    /// <summary>Runs the network on a 112×112 RGB crop (row-major, 3 bytes a pixel); returns (age in years, P(male), P(female)).</summary>
    internal float[] Run(ReadOnlySpan<byte> crop)
    {
        const int plane = Size * Size;
        if (crop.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected a {Size}×{Size} RGB crop ({3 * plane} bytes), got {crop.Length}.", nameof(crop));
        }
        var input = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            input[i] = crop[i * 3];
            input[plane + i] = crop[(i * 3) + 1];
            input[(2 * plane) + i] = crop[(i * 3) + 2];
        }
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, Size, Size]);
        using var outputs = Run(AgeGenderGraph.InputName, value, [AgeGenderGraph.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
