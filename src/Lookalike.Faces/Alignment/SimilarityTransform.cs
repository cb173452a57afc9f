namespace Lookalike.Faces.Alignment;

/// <summary>A 2-D similarity q = [a −b; b a]·p + (tx, ty): rotation and uniform scale √(a² + b²), then translation.</summary>
internal readonly record struct SimilarityTransform(float A, float B, float Tx, float Ty)
{
    public float Scale => MathF.Sqrt((A * A) + (B * B));

    public (float X, float Y) Apply(float x, float y) => ((A * x) - (B * y) + Tx, (B * x) + (A * y) + Ty);

    /// <summary>The transform p ↦ this(<paramref name="inner"/>(p)).</summary>
    public SimilarityTransform After(SimilarityTransform inner) =>
        new((A * inner.A) - (B * inner.B), (B * inner.A) + (A * inner.B),
            (A * inner.Tx) - (B * inner.Ty) + Tx, (B * inner.Tx) + (A * inner.Ty) + Ty);

    public SimilarityTransform Inverse()
    {
        var d = (A * A) + (B * B);
        var ia = A / d;
        var ib = -B / d;
        return new SimilarityTransform(ia, ib, -((ia * Tx) - (ib * Ty)), -((ib * Tx) + (ia * Ty)));
    }

    /// <summary>Weighted least-squares similarity from <paramref name="from"/> to <paramref name="to"/> (Umeyama 1991, 2-D, no reflection).</summary>
    public static SimilarityTransform Fit(ReadOnlySpan<Point2> from, ReadOnlySpan<Point2> to, ReadOnlySpan<float> weights)
    {
        double sw = 0, px = 0, py = 0, qx = 0, qy = 0;
        for (var i = 0; i < from.Length; i++)
        {
            var w = weights.IsEmpty ? 1 : weights[i];
            sw += w;
            px += w * from[i].X;
            py += w * from[i].Y;
            qx += w * to[i].X;
            qy += w * to[i].Y;
        }
        px /= sw;
        py /= sw;
        qx /= sw;
        qy /= sw;
        double num1 = 0, num2 = 0, den = 0;
        for (var i = 0; i < from.Length; i++)
        {
            var w = weights.IsEmpty ? 1 : weights[i];
            var dx = from[i].X - px;
            var dy = from[i].Y - py;
            var ex = to[i].X - qx;
            var ey = to[i].Y - qy;
            num1 += w * ((dx * ex) + (dy * ey));
            num2 += w * ((dx * ey) - (dy * ex));
            den += w * ((dx * dx) + (dy * dy));
        }
        if (den <= 1e-12)
        {
            throw new ArgumentException("The source points coincide; no similarity transform exists.", nameof(from));
        }
        var a = num1 / den;
        var b = num2 / den;
        var tx = qx - ((a * px) - (b * py));
        var ty = qy - ((b * px) + (a * py));
        return new SimilarityTransform((float)a, (float)b, (float)tx, (float)ty);
    }
}
