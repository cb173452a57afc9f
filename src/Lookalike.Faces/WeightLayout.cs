namespace Lookalike.Faces;

/// <summary>Layout conversions of TensorFlow.js weights to ONNX.</summary>
internal static class WeightLayout
{
    /// <summary>TensorFlow filters [kh, kw, in, out] (HWIO) → ONNX [out, in, kh, kw] (OIHW).</summary>
    public static float[] HwioToOihw(float[] hwio, int[] shape)
    {
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
                        oihw[(((((o * ci) + i) * kh) + h) * kw) + w] = hwio[(((((h * kw) + w) * ci) + i) * co) + o];
                    }
                }
            }
        }
        return oihw;
    }
}
