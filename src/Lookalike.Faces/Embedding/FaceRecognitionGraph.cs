using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Onnx;

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
        var pooled = b.Node("GlobalAveragePool", [x]);
        var flat = b.Node("Flatten", [pooled], a => a.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        var fc = tensors["fc"];
        b.Initializer("fc", fc.Values, [256, 128]);
        b.Node("MatMul", [flat, "fc"], output: OutputName);
        return b.ToModel().ToByteArray();
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
        private readonly GraphProto _graph = new() { Name = "dlib_resnet34_face_descriptor" };
        private int _next;

        public string FirstConv(string input, string prefix, float divisor)
        {
            // conv(W, (x − m)/d)·s + (b·s + t) = conv(W·s/d, x) + (b·s + t − Σ W·s/d·m): exact, the conv has no padding.
            var (w, bias) = Folded(prefix);
            var (o, i, kh, kw) = (bias.Length, 3, 7, 7);
            for (var oc = 0; oc < o; oc++)
            {
                double shift = 0;
                for (var ic = 0; ic < i; ic++)
                {
                    for (var k = 0; k < kh * kw; k++)
                    {
                        var idx = (((oc * i) + ic) * kh * kw) + k;
                        w[idx] /= divisor;
                        shift += w[idx] * MeanRgb[ic];
                    }
                }
                bias[oc] -= (float)shift;
            }
            return Relu(Conv(input, prefix, w, bias, stride: 2, pad: 0));
        }

        public string MaxPool(string x) => Node("MaxPool", [x], n =>
        {
            n.Attribute.Add(Ints("kernel_shape", 3, 3));
            n.Attribute.Add(Ints("strides", 2, 2));
        });

        public string Residual(string x, string prefix)
        {
            var c1 = Relu(ConvLayer(x, prefix + "/conv1", 1, 1));
            var c2 = ConvLayer(c1, prefix + "/conv2", 1, 1);
            return Relu(Node("Add", [c2, x]));
        }

        // inputSide: spatial side of x (known statically for a 150×150 input).
        public string ResidualDown(string x, string prefix, int inputSide)
        {
            var c1 = Relu(ConvLayer(x, prefix + "/conv1", 2, 0));
            var c2 = ConvLayer(c1, prefix + "/conv2", 1, 1);
            var inChannels = weights[prefix + "/conv1/conv/filters"].Shape[2];
            var outChannels = weights[prefix + "/conv1/conv/filters"].Shape[3];
            var convSide = ((inputSide - 3) / 2) + 1;
            var poolSide = inputSide / 2;
            if (convSide != poolSide)
            {
                var extra = poolSide - convSide;
                c2 = Pad(c2, [0, 0, 0, 0, 0, 0, extra, extra]);
            }
            var pooled = Node("AveragePool", [x], n =>
            {
                n.Attribute.Add(Ints("kernel_shape", 2, 2));
                n.Attribute.Add(Ints("strides", 2, 2));
            });
            if (outChannels != inChannels)
            {
                pooled = Pad(pooled, [0, 0, 0, 0, 0, outChannels - inChannels, 0, 0]);
            }
            return Relu(Node("Add", [c2, pooled]));
        }

        private string ConvLayer(string x, string prefix, int stride, int pad)
        {
            var (w, bias) = Folded(prefix);
            return Conv(x, prefix, w, bias, stride, pad);
        }

        /// <summary>HWIO filters → OIHW, multiplied by the per-channel scale; bias·scale + scale bias.</summary>
        private (float[] W, float[] Bias) Folded(string prefix)
        {
            var (shape, hwio) = weights[prefix + "/conv/filters"];
            var bias = weights[prefix + "/conv/bias"].Values;
            var scale = weights[prefix + "/scale/weights"].Values;
            var shift = weights[prefix + "/scale/biases"].Values;
            var (kh, kw, ci, co) = (shape[0], shape[1], shape[2], shape[3]);
            var oihw = new float[hwio.Length];
            for (var h = 0; h < kh; h++)
            {
                for (var w = 0; w < kw; w++)
                {
                    for (var i = 0; i < ci; i++)
                    {
                        for (var o = 0; o < co; o++)
                        {
                            oihw[(((((o * ci) + i) * kh) + h) * kw) + w] = hwio[(((((h * kw) + w) * ci) + i) * co) + o] * scale[o];
                        }
                    }
                }
            }
            var b = new float[co];
            for (var o = 0; o < co; o++)
            {
                b[o] = (bias[o] * scale[o]) + shift[o];
            }
            return (oihw, b);
        }

        private string Conv(string x, string prefix, float[] w, float[] bias, int stride, int pad)
        {
            var co = bias.Length;
            var kernel = w.Length == co * 3 * 49 ? 7 : 3;
            var ci = w.Length / co / (kernel * kernel);
            var wName = prefix + "/W";
            var bName = prefix + "/B";
            Initializer(wName, w, [co, ci, kernel, kernel]);
            Initializer(bName, bias, [co]);
            return Node("Conv", [x, wName, bName], n =>
            {
                n.Attribute.Add(Ints("kernel_shape", kernel, kernel));
                n.Attribute.Add(Ints("strides", stride, stride));
                n.Attribute.Add(Ints("pads", pad, pad, pad, pad));
            });
        }

        private string Relu(string x) => Node("Relu", [x]);

        private string Pad(string x, long[] pads)
        {
            var name = $"pads_{_next++}";
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(pads.Length);
            t.Int64Data.Add(pads);
            _graph.Initializer.Add(t);
            return Node("Pad", [x, name]);
        }

        public void Initializer(string name, float[] values, long[] dims)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.Add(dims);
            t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
            _graph.Initializer.Add(t);
        }

        public string Node(string op, string[] inputs, Action<NodeProto>? configure = null, string? output = null)
        {
            output ??= $"{op.ToLowerInvariant()}_{_next++}";
            var n = new NodeProto { OpType = op, Name = output + "_node" };
            n.Input.Add(inputs);
            n.Output.Add(output);
            configure?.Invoke(n);
            _graph.Node.Add(n);
            return output;
        }

        private static AttributeProto Ints(string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.Add(values);
            return a;
        }

        public ModelProto ToModel()
        {
            _graph.Input.Add(Value(InputName, "N", 3, 150, 150));
            _graph.Output.Add(Value(OutputName, "N", 128));
            var model = new ModelProto
            {
                IrVersion = 8,
                ProducerName = "Lookalike.Faces",
                ProducerVersion = "1",
                Graph = _graph,
                DocString = "dlib ResNet-34 face descriptor (face-api.js FaceRecognitionNet weights), scale layers folded into the convolutions.",
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
            return model;
        }

        private static ValueInfoProto Value(string name, string batch, params long[] dims)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
            foreach (var d in dims)
            {
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            }
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
            };
        }
    }
}
