using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Lookalike.Faces;

/// <summary>Small helper that writes an ONNX graph (opset 17) node by node with the protobuf types of OnnxSharp.</summary>
internal sealed class OnnxGraphBuilder(string graphName)
{
    private readonly GraphProto _graph = new() { Name = graphName };
    private int _next;

    public void Initializer(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(t);
    }

    /// <summary>An int64 initializer of shape [values.Length].</summary>
    public void Int64Initializer(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.Add(values);
        _graph.Initializer.Add(t);
    }

    /// <summary>Whether an initializer of that name exists.</summary>
    public bool Has(string name) => _graph.Initializer.Any(t => t.Name == name);

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

    /// <summary>Conv with OIHW weights; pads as ONNX orders them: [top, left, bottom, right].</summary>
    public string Conv(string x, string name, float[] w, float[] bias, long[] dims, int stride, long[] pads, int group = 1)
    {
        Initializer(name + "/W", w, dims);
        Initializer(name + "/B", bias, [dims[0]]);
        return Node("Conv", [x, name + "/W", name + "/B"], n =>
        {
            n.Attribute.Add(Ints("kernel_shape", dims[2], dims[3]));
            n.Attribute.Add(Ints("strides", stride, stride));
            n.Attribute.Add(Ints("pads", pads));
            if (group != 1)
            {
                n.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = group });
            }
        });
    }

    public string Relu(string x) => Node("Relu", [x]);

    public string Pad(string x, long[] pads)
    {
        var name = $"pads_{_next++}";
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(pads.Length);
        t.Int64Data.Add(pads);
        _graph.Initializer.Add(t);
        return Node("Pad", [x, name]);
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public byte[] ToModel(string input, long[] inputDims, string output, long[] outputDims, string doc)
    {
        _graph.Input.Add(Value(input, inputDims));
        _graph.Output.Add(Value(output, outputDims));
        var model = new ModelProto { IrVersion = 8, ProducerName = "Lookalike.Faces", ProducerVersion = "1", Graph = _graph, DocString = doc };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    /// <summary>A float tensor value; the first dimension is the symbolic batch "N".</summary>
    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
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
