using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces.Embedding;

/// <summary>
/// Base of the descriptor networks (<see cref="FaceEmbedder"/>, <see cref="MobileFaceNet.MobileFaceNetEmbedder"/>): an
/// ONNX graph built in memory from published weights (cached on disk by weights hash and builder version), fed square
/// RGB chips as planar [N, 3, size, size] floats in runs of at most <see cref="MaxRunBatch"/>, each chip optionally
/// followed by its mirror image, and the descriptors of each group of consecutive inputs averaged.
/// </summary>
public abstract class ChipEmbedderModel : OnnxModel
{
    /// <summary>Most chips given to the network in one run (bounds the input tensor, e.g. 32 × 270 KB at 150 px).</summary>
    internal const int MaxRunBatch = 32;

    private protected ChipEmbedderModel(byte[] model, FaceOptions options) : base(model, options)
    {
    }

    /// <summary>
    /// The serialised graph from <paramref name="cacheDirectory"/>/<paramref name="fileName"/>, or built by
    /// <paramref name="build"/> and written there (atomically: a temporary file moved into place). No cache folder: built
    /// each time. <paramref name="fileName"/> must name the weights' hash and the builder's version, so a change of
    /// either makes a new file.
    /// </summary>
    private protected static byte[] LoadOrBuildGraph(string? cacheDirectory, string fileName, Func<byte[]> build)
    {
        if (cacheDirectory is null)
        {
            return build();
        }
        var path = Path.Combine(cacheDirectory, fileName);
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        var model = build();
        Directory.CreateDirectory(cacheDirectory);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(tmp, model);
        File.Move(tmp, path, overwrite: true);
        return model;
    }

    /// <summary>
    /// Runs the network on the chips (each followed by its mirror image when <paramref name="withMirrors"/>) and averages
    /// each run of <paramref name="groupSize"/> consecutive network inputs; with <paramref name="normalizeMeans"/> each
    /// mean of more than one input is scaled back to unit length.
    /// </summary>
    /// <param name="chips">Chips, each row-major [size, size, 3] RGB bytes.</param>
    /// <param name="size">Chip side in pixels.</param>
    /// <param name="dimension">Descriptor length.</param>
    /// <param name="inputName">The graph's input, [N, 3, size, size].</param>
    /// <param name="outputName">The graph's output, [N, dimension].</param>
    /// <param name="groupSize">Network inputs per descriptor, ≥ 1.</param>
    /// <param name="withMirrors">Feed each chip's mirror image after it.</param>
    /// <param name="normalizeMeans">L2-normalise each mean of several inputs.</param>
    /// <returns>Row-major [chips.Count × (withMirrors ? 2 : 1) / groupSize, dimension] descriptors.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chips"/> is null.</exception>
    /// <exception cref="ArgumentException">A chip has the wrong length, or the inputs do not split into groups of <paramref name="groupSize"/>.</exception>
    private protected float[] EmbedChips(IReadOnlyList<byte[]> chips, int size, int dimension, string inputName, string outputName,
        int groupSize, bool withMirrors, bool normalizeMeans)
    {
        ArgumentNullException.ThrowIfNull(chips);
        var pixels = size * size;
        var copies = withMirrors ? 2 : 1;
        var inputs = chips.Count * copies;
        if (inputs % groupSize != 0)
        {
            throw new ArgumentException($"{chips.Count} chips do not split into groups of {groupSize}.", nameof(chips));
        }
        for (var i = 0; i < chips.Count; i++)
        {
            if (chips[i].Length != pixels * 3)
            {
                throw new ArgumentException($"Chip {i} has {chips[i].Length} bytes; expected {pixels * 3} ({size}×{size}×3).", nameof(chips));
            }
        }
        var result = new float[inputs / groupSize * dimension];
        var scale = 1f / groupSize;
        for (var start = 0; start < inputs; start += MaxRunBatch)
        {
            var n = Math.Min(MaxRunBatch, inputs - start);
            var input = new float[n * 3 * pixels];
            for (var i = 0; i < n; i++)
            {
                var j = start + i;
                ToPlanar(chips[j / copies], input.AsSpan(i * 3 * pixels, 3 * pixels), size, mirror: j % copies == 1);
            }
            using var value = OrtValue.CreateTensorValueFromMemory(input, [n, 3, size, size]);
            using var outputs = Run(inputName, value, [outputName]);
            var o = outputs[0].GetTensorDataAsSpan<float>();
            for (var i = 0; i < n; i++)
            {
                var d = result.AsSpan((start + i) / groupSize * dimension, dimension);
                var x = o.Slice(i * dimension, dimension);
                for (var k = 0; k < dimension; k++)
                {
                    d[k] += x[k] * scale;
                }
            }
        }
        if (normalizeMeans && groupSize > 1)
        {
            for (var r = 0; r < result.Length; r += dimension)
            {
                Normalize(result.AsSpan(r, dimension));
            }
        }
        return result; // as the network gives them: FacePipeline screens degenerate descriptors (DescriptorCheck)
    }

    /// <summary>Scales <paramref name="v"/> to unit length (left as it is when its norm is zero or not finite).</summary>
    internal static void Normalize(Span<float> v)
    {
        double s = 0;
        foreach (var x in v)
        {
            s += (double)x * x;
        }
        if (s > 0 && double.IsFinite(s))
        {
            var f = (float)(1 / Math.Sqrt(s));
            for (var i = 0; i < v.Length; i++)
            {
                v[i] *= f;
            }
        }
    }

    private static void ToPlanar(ReadOnlySpan<byte> chip, Span<float> dst, int size, bool mirror)
    {
        var pixels = size * size;
        var r = dst[..pixels];
        var g = dst.Slice(pixels, pixels);
        var b = dst.Slice(2 * pixels, pixels);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var s = ((y * size) + (mirror ? size - 1 - x : x)) * 3;
                var d = (y * size) + x;
                r[d] = chip[s];
                g[d] = chip[s + 1];
                b[d] = chip[s + 2];
            }
        }
    }
}
