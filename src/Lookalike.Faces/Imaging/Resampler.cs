namespace Lookalike.Faces.Imaging;

/// <summary>
/// Separable resampling of interleaved RGB bytes: an area (box) filter with fractional coverage when shrinking, so a
/// downscale is smooth (no aliasing), and bilinear interpolation when enlarging.
/// </summary>
internal static class Resampler
{
    /// <summary>Resizes a [srcH, srcW, 3] RGB image to [dstH, dstW, 3].</summary>
    public static void Resize(ReadOnlySpan<byte> src, int srcW, int srcH, Span<byte> dst, int dstW, int dstH)
    {
        var xs = Weights.Create(srcW, dstW);
        var ys = Weights.Create(srcH, dstH);
        var tmp = new float[srcH * dstW * 3];
        for (var y = 0; y < srcH; y++)
        {
            var row = src.Slice(y * srcW * 3, srcW * 3);
            var o = y * dstW * 3;
            for (var x = 0; x < dstW; x++, o += 3)
            {
                float r = 0, g = 0, b = 0;
                var start = xs.Start[x];
                var w = xs.Offset(x);
                for (var k = 0; k < xs.Count[x]; k++)
                {
                    var weight = xs.Values[w + k];
                    var s = (start + k) * 3;
                    r += row[s] * weight;
                    g += row[s + 1] * weight;
                    b += row[s + 2] * weight;
                }
                tmp[o] = r;
                tmp[o + 1] = g;
                tmp[o + 2] = b;
            }
        }
        var line = dstW * 3;
        var acc = new float[line];
        for (var y = 0; y < dstH; y++)
        {
            Array.Clear(acc);
            var start = ys.Start[y];
            var w = ys.Offset(y);
            for (var k = 0; k < ys.Count[y]; k++)
            {
                var weight = ys.Values[w + k];
                var s = (start + k) * line;
                for (var i = 0; i < line; i++)
                {
                    acc[i] += tmp[s + i] * weight;
                }
            }
            var d = dst.Slice(y * line, line);
            for (var i = 0; i < line; i++)
            {
                var v = acc[i] + 0.5f;
                d[i] = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
            }
        }
    }

    /// <summary>Per output sample: first source index, number of taps and their weights (summing to 1).</summary>
    private sealed class Weights
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required float[] Values { get; init; }
        public required int Stride { get; init; }

        public int Offset(int i) => i * Stride;

        public static Weights Create(int srcSize, int dstSize)
        {
            var scale = (double)srcSize / dstSize;
            var start = new int[dstSize];
            var count = new int[dstSize];
            if (scale > 1)
            {
                var stride = (int)Math.Ceiling(scale) + 1;
                var values = new float[dstSize * stride];
                for (var i = 0; i < dstSize; i++)
                {
                    var lo = i * scale;
                    var hi = Math.Min(srcSize, (i + 1) * scale);
                    var first = (int)Math.Floor(lo);
                    var n = 0;
                    for (var s = first; s < hi && n < stride; s++, n++)
                    {
                        var cover = Math.Min(hi, s + 1) - Math.Max(lo, s);
                        values[(i * stride) + n] = (float)(cover / scale);
                    }
                    start[i] = first;
                    count[i] = n;
                }
                return new Weights { Start = start, Count = count, Values = values, Stride = stride };
            }
            else
            {
                var values = new float[dstSize * 2];
                for (var i = 0; i < dstSize; i++)
                {
                    var centre = ((i + 0.5) * scale) - 0.5;
                    var i0 = (int)Math.Floor(centre);
                    var f = centre - i0;
                    if (i0 < 0)
                    {
                        i0 = 0;
                        f = 0;
                    }
                    if (i0 >= srcSize - 1)
                    {
                        i0 = srcSize - 1;
                        f = 0;
                    }
                    start[i] = i0;
                    count[i] = f > 0 ? 2 : 1;
                    values[i * 2] = (float)(1 - f);
                    values[(i * 2) + 1] = (float)f;
                }
                return new Weights { Start = start, Count = count, Values = values, Stride = 2 };
            }
        }
    }
}
