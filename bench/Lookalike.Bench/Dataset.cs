using System.Buffers.Binary;
using System.Text.Json;
using Lookalike.Index;

namespace Lookalike.Bench;

/// <summary>An ann-benchmarks dataset folder: base.fvecs, query.fvecs, groundtruth.ivecs, meta.json.</summary>
internal sealed record Dataset(string Name, DistanceMetric Metric, int Dimension, float[] Base, int BaseCount, float[] Queries, int QueryCount, int[] GroundTruth, int GroundTruthK)
{
    public static Dataset Load(string dir, string? name)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "meta.json")));
        var metric = meta.RootElement.GetProperty("metric").GetString() switch
        {
            "l2" => DistanceMetric.SquaredL2,
            "cosine" => DistanceMetric.Cosine,
            "ip" => DistanceMetric.InnerProduct,
            var other => throw new InvalidDataException($"unknown metric {other} in meta.json"),
        };
        var (xb, nb, d) = ReadVecs(Path.Combine(dir, "base.fvecs"));
        var (xq, nq, dq) = ReadVecs(Path.Combine(dir, "query.fvecs"));
        var (gtRaw, ngt, gk) = ReadVecs(Path.Combine(dir, "groundtruth.ivecs"));
        if (dq != d || ngt != nq)
        {
            throw new InvalidDataException("dataset shape mismatch");
        }
        var gt = new int[gtRaw.Length];
        Buffer.BlockCopy(gtRaw, 0, gt, 0, gtRaw.Length * 4);
        var dsName = name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        return new Dataset(dsName, metric, d, xb, nb, xq, nq, gt, gk);
    }

    /// <summary>Reads an .fvecs/.ivecs file (per row: int32 dimension, then the values) as raw 32-bit floats.</summary>
    private static (float[] Data, int Rows, int Dim) ReadVecs(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var dim = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var rowBytes = 4 + (4 * dim);
        var rows = bytes.Length / rowBytes;
        var data = new float[rows * dim];
        for (var i = 0; i < rows; i++)
        {
            Buffer.BlockCopy(bytes, (i * rowBytes) + 4, data, i * dim * 4, dim * 4);
        }
        return (data, rows, dim);
    }
}
