using System.Runtime.InteropServices;
using System.Text.Json;

namespace Lookalike.Faces.Embedding;

/// <summary>
/// Builds the dlib ResNet-34 face descriptor (face-api.js FaceRecognitionNet weights) as an ONNX model in memory.
/// </summary>
/// <remarks>
/// Architecture (face-api.js <c>src/faceRecognitionNet</c>; dlib <c>dnn_face_recognition_resnet_model_v1</c>):
/// (x − mean) / divisor; 7×7/2 conv + per-channel scale + ReLU; 3×3/2 max pool; residual blocks conv–scale–ReLU–conv–scale
/// + shortcut → ReLU; stride-2 convs and the pool use no padding; down blocks average-pool the shortcut 2×2/2, append zero
/// channels when the width doubles and zero-pad the conv branch at the bottom and right when it comes out smaller;
/// blocks 32×3, 64_down + 64×3, 128_down + 128×2, 256_down + 256×2, 256_down_out; global average pool; 256→128 matrix.
/// The per-channel scale layers, the conv biases and the input normalisation are folded into the convolution weights
/// (exact: the first convolution has no padding). Weights: uint8 tensors are dequantised as min + scale·q, float32
/// tensors are read as is; filters are stored HWIO and become OIHW.
/// Graph: input <c>input</c> float [N, 3, 150, 150] RGB 0–255; output <c>descriptor</c> float [N, 128].
/// </remarks>
internal static class FaceRecognitionGraph
{
    public const string InputName = "input";
    public const string OutputName = "descriptor";
    public static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    /// <summary>Reads the weights and returns the serialized ONNX model.</summary>
    /// <param name="weights">The concatenated weight file(s) of the manifest.</param>
    /// <param name="manifestJson">The face-api.js weights manifest.</param>
    /// <param name="divisor">255 (face-api.js) or 256 (dlib's own <c>input_rgb_image</c> convention).</param>
    public static byte[] Build(ReadOnlySpan<byte> weights, string manifestJson, float divisor)
    {
        var tensors = ReadWeights(weights, manifestJson);
        var b = new Builder(tensors);
        var x = b.FirstConv(InputName, "conv32_down", divisor);
        x = b.MaxPool(x);
        x = b.Residual(x, "conv32_1");
        x = b.Residual(x, "conv32_2");
        x = b.Residual(x, "conv32_3");
        x = b.ResidualDown(x, "conv64_down", 35);
        x = b.Residual(x, "conv64_1");
        x = b.Residual(x, "conv64_2");
        x = b.Residual(x, "conv64_3");
        x = b.ResidualDown(x, "conv128_down", 17);
        x = b.Residual(x, "conv128_1");
        x = b.Residual(x, "conv128_2");
        x = b.ResidualDown(x, "conv256_down", 8);
        x = b.Residual(x, "conv256_1");
        x = b.Residual(x, "conv256_2");
        x = b.ResidualDown(x, "conv256_down_out", 4);
        b.Head(x, tensors["fc"].Values);
        return b.ToModel();
    }

    /// <summary>Dequantises every tensor of the manifest: name → (shape, values).</summary>
    internal static Dictionary<string, (int[] Shape, float[] Values)> ReadWeights(ReadOnlySpan<byte> bin, string manifestJson)
    {
        var result = new Dictionary<string, (int[], float[])>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(manifestJson);
        var offset = 0;
        foreach (var group in doc.RootElement.EnumerateArray())
        {
            foreach (var w in group.GetProperty("weights").EnumerateArray())
            {
                var name = w.GetProperty("name").GetString()!;
                var shape = w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var count = shape.Aggregate(1, (a, s) => a * s);
                var values = new float[count];
                if (w.TryGetProperty("quantization", out var q))
                {
                    if (q.GetProperty("dtype").GetString() != "uint8")
                    {
                        throw new InvalidDataException($"Weight {name}: only uint8 quantisation is supported.");
                    }
                    var min = q.GetProperty("min").GetDouble();
                    var scale = q.GetProperty("scale").GetDouble();
                    var bytes = bin.Slice(offset, count);
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = (float)(min + (scale * bytes[i]));
                    }
                    offset += count;
                }
                else
                {
                    if (w.GetProperty("dtype").GetString() != "float32")
                    {
                        throw new InvalidDataException($"Weight {name}: only float32 weights are supported.");
                    }
                    MemoryMarshal.Cast<byte, float>(bin.Slice(offset, count * 4)).CopyTo(values);
                    offset += count * 4;
                }
                result[name] = (shape, values);
            }
        }
        if (offset != bin.Length)
        {
            throw new InvalidDataException($"The weights file has {bin.Length} bytes but the manifest describes {offset}.");
        }
        return result;
    }

    private sealed class Builder(Dictionary<string, (int[] Shape, float[] Values)> weights)
    {
        private readonly OnnxGraphBuilder _g = new("dlib_resnet34_face_descriptor");

        public string FirstConv(string input, string prefix, float divisor)
        {
            // conv(W, (x − m)/d)·s + (b·s + t) = conv(W·s/d, x) + (b·s + t − Σ W·s/d·m): exact, the conv has no padding.
            var (w, bias) = Folded(prefix);
            const int kk = 49;
            for (var oc = 0; oc < bias.Length; oc++)
            {
                double shift = 0;
                for (var ic = 0; ic < 3; ic++)
                {
                    for (var k = 0; k < kk; k++)
                    {
                        var idx = (((oc * 3) + ic) * kk) + k;
                        w[idx] /= divisor;
                        shift += w[idx] * MeanRgb[ic];
                    }
                }
                bias[oc] -= (float)shift;
            }
            return _g.Relu(_g.Conv(input, prefix, w, bias, [bias.Length, 3, 7, 7], 2, [0, 0, 0, 0]));
        }

        public string MaxPool(string x) => _g.Node("MaxPool", [x], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.Ints("kernel_shape", 3, 3));
            n.Attribute.Add(OnnxGraphBuilder.Ints("strides", 2, 2));
        });

        public string Residual(string x, string prefix)
        {
            var c1 = _g.Relu(ConvLayer(x, prefix + "/conv1", 1, 1));
            var c2 = ConvLayer(c1, prefix + "/conv2", 1, 1);
            return _g.Relu(_g.Node("Add", [c2, x]));
        }

        // inputSide: spatial side of x (known statically for a 150×150 input).
        public string ResidualDown(string x, string prefix, int inputSide)
        {
            var c1 = _g.Relu(ConvLayer(x, prefix + "/conv1", 2, 0));
            var c2 = ConvLayer(c1, prefix + "/conv2", 1, 1);
            var inChannels = weights[prefix + "/conv1/conv/filters"].Shape[2];
            var outChannels = weights[prefix + "/conv1/conv/filters"].Shape[3];
            var convSide = ((inputSide - 3) / 2) + 1;
            var poolSide = inputSide / 2;
            if (convSide != poolSide)
            {
                var extra = poolSide - convSide;
                c2 = _g.Pad(c2, [0, 0, 0, 0, 0, 0, extra, extra]);
            }
            var pooled = _g.Node("AveragePool", [x], n =>
            {
                n.Attribute.Add(OnnxGraphBuilder.Ints("kernel_shape", 2, 2));
                n.Attribute.Add(OnnxGraphBuilder.Ints("strides", 2, 2));
            });
            if (outChannels != inChannels)
            {
                pooled = _g.Pad(pooled, [0, 0, 0, 0, 0, outChannels - inChannels, 0, 0]);
            }
            return _g.Relu(_g.Node("Add", [c2, pooled]));
        }

        public string Head(string x, float[] fc)
        {
            var pooled = _g.Node("GlobalAveragePool", [x]);
            var flat = _g.Node("Flatten", [pooled], n => n.Attribute.Add(OnnxGraphBuilder.Int("axis", 1)));
            _g.Initializer("fc", fc, [256, 128]);
            return _g.Node("MatMul", [flat, "fc"], output: OutputName);
        }

        public byte[] ToModel() => _g.ToModel(InputName, [3, 150, 150], OutputName, [128],
            "dlib ResNet-34 face descriptor (face-api.js FaceRecognitionNet weights), scale layers folded into the convolutions.");

        private string ConvLayer(string x, string prefix, int stride, int pad)
        {
            var (w, bias) = Folded(prefix);
            var ci = w.Length / bias.Length / 9;
            return _g.Conv(x, prefix, w, bias, [bias.Length, ci, 3, 3], stride, [pad, pad, pad, pad]);
        }

        /// <summary>HWIO filters → OIHW, multiplied by the per-channel scale; bias·scale + scale bias.</summary>
        private (float[] W, float[] Bias) Folded(string prefix)
        {
            var (shape, hwio) = weights[prefix + "/conv/filters"];
            var bias = weights[prefix + "/conv/bias"].Values;
            var scale = weights[prefix + "/scale/weights"].Values;
            var shift = weights[prefix + "/scale/biases"].Values;
            var oihw = WeightLayout.HwioToOihw(hwio, shape);
            var (kh, kw, ci, co) = (shape[0], shape[1], shape[2], shape[3]);
            var per = ci * kh * kw;
            var b = new float[co];
            for (var o = 0; o < co; o++)
            {
                for (var k = 0; k < per; k++)
                {
                    oihw[(o * per) + k] *= scale[o];
                }
                b[o] = (bias[o] * scale[o]) + shift[o];
            }
            return (oihw, b);
        }
    }
}
