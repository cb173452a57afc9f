using Lookalike.Faces.Embedding;

namespace Lookalike.Faces.Landmarks;

/// <summary>
/// Builds face-api.js's FaceLandmark68Net as an ONNX model: input <c>input</c> float [N, 3, 112, 112] RGB 0–255,
/// output <c>landmarks</c> float [N, 136] = 68 (x, y) pairs in [0, 1] of the input square.
/// </summary>
/// <remarks>
/// Architecture (face-api.js <c>src/faceFeatureExtractor</c>, <c>src/faceLandmarkNet</c>): (x − mean) / 255 with the
/// mean of the descriptor network; four dense blocks of 32, 64, 128 and 256 channels, each: a stride-2 conv (a plain 3×3
/// conv in the first block, depthwise-separable in the others) + bias + ReLU, then three depthwise-separable 3×3 convs
/// whose inputs are the ReLU of the running sum of the previous outputs (TensorFlow "same" padding: for stride 2 on an
/// even side the extra row and column go at the bottom and right); a 7×7 average pool; a 256→136 fully connected layer.
/// </remarks>
internal static class FaceLandmarkGraph
{
    public const string InputName = "input";
    public const string OutputName = "landmarks";
    public const int InputSize = 112;

    public static byte[] Build(ReadOnlySpan<byte> weights, string manifestJson)
    {
        var t = FaceRecognitionGraph.ReadWeights(weights, manifestJson);
        var g = new OnnxGraphBuilder("face_landmark_68");
        g.Initializer("mean", [.. FaceRecognitionGraph.MeanRgb], [1, 3, 1, 1]);
        var x = g.Node("Sub", [InputName, "mean"]);
        x = DenseBlock(g, t, x, "dense0", first: true);
        x = DenseBlock(g, t, x, "dense1", first: false);
        x = DenseBlock(g, t, x, "dense2", first: false);
        x = DenseBlock(g, t, x, "dense3", first: false);
        x = g.Node("GlobalAveragePool", [x]);
        x = g.Node("Flatten", [x], n => n.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)));
        g.Initializer("fc/W", t["fc/weights"].Values, [256, 136]);
        g.Initializer("fc/B", t["fc/bias"].Values, [136]);
        g.Node("Gemm", [x, "fc/W", "fc/B"], output: OutputName);
        return g.ToModel(InputName, [3, InputSize, InputSize], OutputName, [136], "face-api.js FaceLandmark68Net (68 iBUG points).");
    }

    private static string DenseBlock(OnnxGraphBuilder g, Dictionary<string, (int[] Shape, float[] Values)> t, string x, string prefix, bool first)
    {
        string out1;
        if (first)
        {
            var (shape, hwio) = t[prefix + "/conv0/filters"];
            var w = WeightLayout.HwioToOihw(hwio, shape);
            for (var i = 0; i < w.Length; i++)
            {
                w[i] /= 255f; // the input divisor, folded (exact: the mean is subtracted before the zero padding)
            }
            out1 = g.Conv(x, prefix + "/conv0", w, t[prefix + "/conv0/bias"].Values, [shape[3], shape[2], 3, 3], 2, [0, 0, 1, 1]);
        }
        else
        {
            out1 = Separable(g, t, x, prefix + "/conv0", 2);
        }
        out1 = g.Relu(out1);
        var out2 = Separable(g, t, out1, prefix + "/conv1", 1);
        var sum2 = g.Node("Add", [out1, out2]);
        var out3 = Separable(g, t, g.Relu(sum2), prefix + "/conv2", 1);
        var sum3 = g.Node("Add", [sum2, out3]);
        var out4 = Separable(g, t, g.Relu(sum3), prefix + "/conv3", 1);
        return g.Relu(g.Node("Add", [sum3, out4]));
    }

    /// <summary>Depthwise 3×3 (group = channels, no bias) then pointwise 1×1 + bias, TensorFlow "same" padding.</summary>
    internal static string Separable(OnnxGraphBuilder g, Dictionary<string, (int[] Shape, float[] Values)> t, string x, string prefix, int stride)
    {
        var (dShape, dw) = t[prefix + "/depthwise_filter"]; // [3, 3, C, 1]
        var c = dShape[2];
        var depthwise = new float[dw.Length];
        for (var h = 0; h < 3; h++)
        {
            for (var w = 0; w < 3; w++)
            {
                for (var ch = 0; ch < c; ch++)
                {
                    depthwise[(((ch * 3) + h) * 3) + w] = dw[(((h * 3) + w) * c) + ch];
                }
            }
        }
        long[] pads = stride == 2 ? [0, 0, 1, 1] : [1, 1, 1, 1];
        var d = g.Conv(x, prefix + "/dw", depthwise, new float[c], [c, 1, 3, 3], stride, pads, group: c);
        var (pShape, pw) = t[prefix + "/pointwise_filter"]; // [1, 1, C, Cout]
        return g.Conv(d, prefix + "/pw", WeightLayout.HwioToOihw(pw, pShape), t[prefix + "/bias"].Values, [pShape[3], pShape[2], 1, 1], 1, [0, 0, 0, 0]);
    }
}
