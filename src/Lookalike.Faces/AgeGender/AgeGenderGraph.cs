using Lookalike.Faces.Embedding;
using Lookalike.Faces.Landmarks;

namespace Lookalike.Faces.AgeGender;

/// <summary>
/// Builds face-api.js's AgeGenderNet as an ONNX model: input <c>input</c> float [N, 3, 112, 112] RGB 0–255, output
/// <c>age_gender</c> float [N, 3] = (age in years, P(male), P(female)); the two probabilities are the softmax of the
/// gender head and sum to 1.
/// </summary>
/// <remarks>
/// Architecture (face-api.js <c>src/xception/TinyXception.ts</c> with two main blocks, <c>src/ageGenderNet/AgeGenderNet.ts</c>):
/// (x − mean) / 255 with the mean of the descriptor network; a 3×3 stride-2 conv + bias + ReLU; two reduction blocks
/// (the first without an input ReLU): ReLU → separable conv → ReLU → separable conv → 3×3 stride-2 max pool, plus a 1×1
/// stride-2 "expansion" conv of the block input; two main blocks: three (ReLU → separable conv) plus the block input;
/// an exit reduction block; a separable conv to 512 channels + ReLU; a 7×7 average pool (the whole 7×7 map); two fully
/// connected heads 512→1 (age) and 512→2 (gender logits, then softmax). TensorFlow "same" padding: for stride 2 on an
/// even side the extra row and column go at the bottom and right (max pool pads with −∞, as ONNX's MaxPool does).
/// </remarks>
internal static class AgeGenderGraph
{
    public const string InputName = "input";
    public const string OutputName = "age_gender";
    public const int InputSize = 112;

    public static byte[] Build(ReadOnlySpan<byte> weights, string manifestJson)
    {
        var t = FaceRecognitionGraph.ReadWeights(weights, manifestJson);
        var g = new OnnxGraphBuilder("age_gender");
        g.Initializer("mean", [.. FaceRecognitionGraph.MeanRgb], [1, 3, 1, 1]);
        var x = g.Node("Sub", [InputName, "mean"]);

        var (shape, hwio) = t["entry_flow/conv_in/filters"];
        var w = WeightLayout.HwioToOihw(hwio, shape);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] /= 255f; // the input divisor, folded (exact: the mean is subtracted before the zero padding)
        }
        x = g.Relu(g.Conv(x, "entry_flow/conv_in", w, t["entry_flow/conv_in/bias"].Values, [shape[3], shape[2], 3, 3], 2, [0, 0, 1, 1]));
        x = ReductionBlock(g, t, x, "entry_flow/reduction_block_0", activateInput: false);
        x = ReductionBlock(g, t, x, "entry_flow/reduction_block_1", activateInput: true);
        x = MainBlock(g, t, x, "middle_flow/main_block_0");
        x = MainBlock(g, t, x, "middle_flow/main_block_1");
        x = ReductionBlock(g, t, x, "exit_flow/reduction_block", activateInput: true);
        x = g.Relu(FaceLandmarkGraph.Separable(g, t, x, "exit_flow/separable_conv", 1));
        x = g.Node("GlobalAveragePool", [x]);
        x = g.Node("Flatten", [x], n => n.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)));

        g.Initializer("fc/age/W", t["fc/age/weights"].Values, [512, 1]);
        g.Initializer("fc/age/B", t["fc/age/bias"].Values, [1]);
        var age = g.Node("Gemm", [x, "fc/age/W", "fc/age/B"]);
        g.Initializer("fc/gender/W", t["fc/gender/weights"].Values, [512, 2]);
        g.Initializer("fc/gender/B", t["fc/gender/bias"].Values, [2]);
        var gender = g.Node("Softmax", [g.Node("Gemm", [x, "fc/gender/W", "fc/gender/B"])], n => n.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)));
        g.Node("Concat", [age, gender], n => n.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)), output: OutputName);
        return g.ToModel(InputName, [3, InputSize, InputSize], OutputName, [3], "face-api.js AgeGenderNet (age in years, P(male), P(female)).");
    }

    private static string ReductionBlock(OnnxGraphBuilder g, Dictionary<string, (int[] Shape, float[] Values)> t, string x, string prefix, bool activateInput)
    {
        var o = FaceLandmarkGraph.Separable(g, t, activateInput ? g.Relu(x) : x, prefix + "/separable_conv0", 1);
        o = FaceLandmarkGraph.Separable(g, t, g.Relu(o), prefix + "/separable_conv1", 1);
        o = g.Node("MaxPool", [o], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.Ints("kernel_shape", 3, 3));
            n.Attribute.Add(OnnxGraphBuilder.Ints("strides", 2, 2));
            n.Attribute.Add(OnnxGraphBuilder.Ints("pads", 0, 0, 1, 1));
        });
        var (shape, hwio) = t[prefix + "/expansion_conv/filters"]; // [1, 1, Cin, Cout]
        var expansion = g.Conv(x, prefix + "/expansion_conv", WeightLayout.HwioToOihw(hwio, shape), t[prefix + "/expansion_conv/bias"].Values, [shape[3], shape[2], 1, 1], 2, [0, 0, 0, 0]);
        return g.Node("Add", [o, expansion]);
    }

    private static string MainBlock(OnnxGraphBuilder g, Dictionary<string, (int[] Shape, float[] Values)> t, string x, string prefix)
    {
        var o = FaceLandmarkGraph.Separable(g, t, g.Relu(x), prefix + "/separable_conv0", 1);
        o = FaceLandmarkGraph.Separable(g, t, g.Relu(o), prefix + "/separable_conv1", 1);
        o = FaceLandmarkGraph.Separable(g, t, g.Relu(o), prefix + "/separable_conv2", 1);
        return g.Node("Add", [o, x]);
    }
}
