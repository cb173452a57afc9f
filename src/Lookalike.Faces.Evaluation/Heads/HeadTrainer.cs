using System.Globalization;
using Lookalike.Faces.Heads;

namespace Lookalike.Faces.Evaluation.Heads;

/// <summary>The metric-learning loss a <see cref="FusionHead"/> is trained with.</summary>
public enum HeadLoss
{
    /// <summary>Triplet loss (Chen et al., CVPR 2017, eq. 1; Schroff et al., FaceNet, CVPR 2015): [d(a,p) − d(a,n1) + α1]₊.</summary>
    Triplet,

    /// <summary>Quadruplet loss (Chen et al., CVPR 2017, eq. 5): [d(a,p) − d(a,n1) + α1]₊ + [d(a,p) − d(n2,n1) + α2]₊, n2 of a fourth identity.</summary>
    Quadruplet,
}

/// <summary>Hyper-parameters of <see cref="HeadTrainer.Train"/>. Distances d are squared Euclidean distances of the unit-length outputs (0–4; d = 2 − 2·cosine).</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>The loss. Default <see cref="HeadLoss.Quadruplet"/>.</summary>
    public HeadLoss Loss { get; init; } = HeadLoss.Quadruplet;

    /// <summary>Width of the ReLU layer; 0 (default): linear head.</summary>
    public int HiddenDimension { get; init; }

    /// <summary>Output dimension. Default 128.</summary>
    public int OutputDimension { get; init; } = 128;

    /// <summary>Optimiser steps (one batch each). Default 3,000.</summary>
    public int Steps { get; init; } = 3000;

    /// <summary>Identities per batch (P of a P×K batch). Default 32.</summary>
    public int IdentitiesPerBatch { get; init; } = 32;

    /// <summary>Images per identity per batch (K; fewer when an identity has fewer). Default 4.</summary>
    public int ImagesPerIdentity { get; init; } = 4;

    /// <summary>Adam learning rate. Default 1e-3.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>α1, the margin of the anchor–negative term (squared L2 units). Default 0.3.</summary>
    public float Alpha1 { get; init; } = 0.3f;

    /// <summary>α2 &lt; α1, the margin of the negative-pair term of the quadruplet loss (the paper's α2, "a weaker constraint"). Default 0.15.</summary>
    public float Alpha2 { get; init; } = 0.15f;

    /// <summary>Seed of the initialisation and the batch sampling; a seed and the same data give the same head.</summary>
    public int Seed { get; init; } = 17;

    /// <summary>
    /// true (default): a linear head whose output dimension is at most its input's starts as the projection onto the
    /// top principal subspace of the training descriptors (uncentred second moments, so it starts close to the fused
    /// descriptor's own distances); false, or a two-layer head: Gaussian initialisation.
    /// </summary>
    public bool PrincipalInitialisation { get; init; } = true;

    /// <summary>Steps between two points of the loss curve. Default 50.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (α2 must be below α1 and non-negative).</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(HiddenDimension, nameof(HiddenDimension));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutputDimension, 1, nameof(OutputDimension));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(IdentitiesPerBatch, 3, nameof(IdentitiesPerBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(ImagesPerIdentity, 2, nameof(ImagesPerIdentity));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Alpha1, nameof(Alpha1));
        ArgumentOutOfRangeException.ThrowIfNegative(Alpha2, nameof(Alpha2));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(Alpha2, Alpha1, nameof(Alpha2));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogEvery, 1, nameof(LogEvery));
    }
}

/// <summary>One point of a loss curve: the mean over <see cref="HeadTrainingOptions.LogEvery"/> steps.</summary>
/// <param name="Step">The last step of the window (1-based).</param>
/// <param name="Loss">Mean batch loss (mean over the batch's tuples of the loss terms).</param>
/// <param name="Active">Share of tuples with a positive loss.</param>
public sealed record HeadCurvePoint(int Step, double Loss, double Active);

/// <summary>An (anchor, positive, negative1, negative2) tuple of batch rows; negative2 is −1 for the triplet loss.</summary>
internal readonly record struct HeadTuple(int A, int P, int N1, int N2);

/// <summary>
/// Trains a <see cref="FusionHead"/> on frozen descriptors with the quadruplet loss (W. Chen et al., "Beyond triplet
/// loss: a deep quadruplet network for person re-identification", CVPR 2017, §3.2 eq. 5) or, for comparison, the
/// triplet loss (eq. 1), with hand-written gradients and Adam (Kingma and Ba, ICLR 2015). Batches are P identities × K
/// images; negatives are mined in the batch, "hard-ish" (§3.3 mines the hardest; we take FaceNet's semi-hard rule, which
/// does not collapse): for each (anchor, positive) pair, n1 is drawn at random among the negatives with d(a,p) &lt;
/// d(a,n1) &lt; d(a,p) + α1; when there are none, the least hard negative that still violates the margin; when no
/// negative violates it, the nearest one. n2 (quadruplet) is chosen the same way against d(n1,n2) and α2 among images of
/// neither a's nor n1's identity. Deterministic: one seed gives the same head (single-threaded sums in a fixed order).
/// </summary>
public static class HeadTrainer
{
    /// <summary>Trains a head.</summary>
    /// <param name="descriptors">Row-major float[n, <paramref name="dimension"/>] training descriptors (fused, unit length).</param>
    /// <param name="dimension">Descriptor length (320 for fused).</param>
    /// <param name="labels">int[n] identity of each row; identities with a single row are used only as negatives.</param>
    /// <param name="options">Hyper-parameters.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <param name="checkpointSteps">Steps after which <paramref name="checkpoint"/> receives the head so far (0: the initial head); the head after step s equals the head of a run of s steps.</param>
    /// <param name="checkpoint">Receives (step, head) at <paramref name="checkpointSteps"/>.</param>
    /// <returns>The head and its loss curve.</returns>
    /// <exception cref="ArgumentException">Lengths disagree, or fewer than 3 identities have two or more rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static (FusionHead Head, IReadOnlyList<HeadCurvePoint> Curve) Train(float[] descriptors, int dimension, IReadOnlyList<int> labels, HeadTrainingOptions options,
        CancellationToken cancellationToken = default, IReadOnlySet<int>? checkpointSteps = null, Action<int, FusionHead>? checkpoint = null)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (descriptors.Length != labels.Count * dimension)
        {
            throw new ArgumentException($"{descriptors.Length} floats are not {labels.Count} descriptors of {dimension}.", nameof(descriptors));
        }
        var byIdentity = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (!byIdentity.TryGetValue(labels[i], out var rows))
            {
                byIdentity[labels[i]] = rows = [];
            }
            rows.Add(i);
        }
        var eligible = byIdentity.Values.Where(r => r.Count >= 2).ToArray();
        if (eligible.Length < 3)
        {
            throw new ArgumentException($"Training needs at least 3 identities with two or more images; there are {eligible.Length}.", nameof(labels));
        }
        var singles = byIdentity.Values.Where(r => r.Count == 1).Select(r => r[0]).ToArray();

        var shape = new HeadShape(dimension, options.HiddenDimension, options.OutputDimension);
        var random = new Random(options.Seed);
        var parameters = options.PrincipalInitialisation && shape.Hidden == 0 && shape.Output <= shape.Input
            ? PrincipalSubspace(descriptors, labels.Count, dimension, shape.Output, random)
            : Initialise(shape, random);
        var gradient = new float[parameters.Length];
        var m = new float[parameters.Length];
        var v = new float[parameters.Length];
        const float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        var curve = new List<HeadCurvePoint>();
        double windowLoss = 0, windowActive = 0;
        var windowSteps = 0;
        var p = Math.Min(options.IdentitiesPerBatch, eligible.Length);
        var order = Enumerable.Range(0, eligible.Length).ToArray();
        if (checkpointSteps?.Contains(0) == true)
        {
            checkpoint?.Invoke(0, new FusionHead(shape.Input, shape.Hidden, shape.Output, parameters));
        }
        for (var step = 1; step <= options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // P identities (partial Fisher–Yates), K images each, plus two single-image identities as extra negatives.
            var rows = new List<int>(p * options.ImagesPerIdentity + 2);
            var batchLabels = new List<int>(rows.Capacity);
            for (var i = 0; i < p; i++)
            {
                var j = i + random.Next(order.Length - i);
                (order[i], order[j]) = (order[j], order[i]);
                var images = eligible[order[i]].ToArray();
                var k = Math.Min(options.ImagesPerIdentity, images.Length);
                for (var t = 0; t < k; t++)
                {
                    var u = t + random.Next(images.Length - t);
                    (images[t], images[u]) = (images[u], images[t]);
                    rows.Add(images[t]);
                    batchLabels.Add(labels[images[t]]);
                }
            }
            for (var s = 0; s < 2 && singles.Length > 0; s++)
            {
                var r = singles[random.Next(singles.Length)];
                rows.Add(r);
                batchLabels.Add(labels[r]);
            }
            var x = new float[rows.Count * dimension];
            for (var i = 0; i < rows.Count; i++)
            {
                descriptors.AsSpan(rows[i] * dimension, dimension).CopyTo(x.AsSpan(i * dimension));
            }
            var forward = Forward(shape, parameters, x, rows.Count);
            var tuples = Mine(forward.Z, shape.Output, batchLabels, options, random);
            Array.Clear(gradient);
            var (loss, active) = Loss(shape, parameters, x, forward, tuples, options.Loss, options.Alpha1, options.Alpha2, gradient);
            // Adam.
            var lr = options.LearningRate * MathF.Sqrt(1 - MathF.Pow(beta2, step)) / (1 - MathF.Pow(beta1, step));
            for (var i = 0; i < parameters.Length; i++)
            {
                m[i] = (beta1 * m[i]) + ((1 - beta1) * gradient[i]);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * gradient[i] * gradient[i]);
                parameters[i] -= lr * m[i] / (MathF.Sqrt(v[i]) + epsilon);
            }
            if (checkpointSteps?.Contains(step) == true)
            {
                checkpoint?.Invoke(step, new FusionHead(shape.Input, shape.Hidden, shape.Output, parameters));
            }
            windowLoss += loss;
            windowActive += active;
            windowSteps++;
            if (step % options.LogEvery == 0 || step == options.Steps)
            {
                curve.Add(new HeadCurvePoint(step, windowLoss / windowSteps, windowActive / windowSteps));
                windowLoss = windowActive = 0;
                windowSteps = 0;
            }
        }
        return (new FusionHead(shape.Input, shape.Hidden, shape.Output, parameters), curve);
    }

    /// <summary>The loss curve as CSV: <c>step,loss,active</c>, invariant culture.</summary>
    /// <param name="curve">Points of <see cref="Train"/>.</param>
    /// <returns>The CSV text with a header line.</returns>
    public static string CurveCsv(IReadOnlyList<HeadCurvePoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        return "step,loss,active\n" + string.Concat(curve.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Step},{c.Loss:0.######},{c.Active:0.####}\n")));
    }

    internal readonly record struct HeadShape(int Input, int Hidden, int Output)
    {
        public int Count => FusionHead.ParameterCount(Input, Hidden, Output);
    }

    /// <summary>Activations of a batch: H float[n, hidden] (after ReLU; empty when linear), Y float[n, out] before and Z after normalisation, Norm float[n] = ‖Y‖.</summary>
    internal sealed record ForwardPass(float[] H, float[] Y, float[] Z, float[] Norm);

    /// <summary>Gaussian initialisation: linear W ~ N(0, 1/in); two-layer W1 ~ N(0, 2/in) (He), b1 = 0, W2 ~ N(0, 1/hidden).</summary>
    internal static float[] Initialise(HeadShape shape, Random random)
    {
        var p = new float[shape.Count];
        if (shape.Hidden == 0)
        {
            Gaussian(p.AsSpan(), MathF.Sqrt(1f / shape.Input), random);
        }
        else
        {
            var w1 = shape.Hidden * shape.Input;
            Gaussian(p.AsSpan(0, w1), MathF.Sqrt(2f / shape.Input), random);
            Gaussian(p.AsSpan(w1 + shape.Hidden), MathF.Sqrt(1f / shape.Hidden), random);
        }
        return p;
    }

    /// <summary>
    /// Row-major float[k, dim]: an orthonormal basis of the top-k eigenvectors of the second-moment matrix XᵀX/n of
    /// row-major <paramref name="x"/> float[n, dim], by 30 rounds of subspace iteration from a seeded Gaussian start
    /// (orthogonal iteration: Golub and Van Loan, "Matrix Computations", ch. 8); rows roughly by decreasing variance.
    /// </summary>
    internal static float[] PrincipalSubspace(float[] x, int n, int dim, int k, Random random)
    {
        var m = new double[dim * dim];
        for (var i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * dim, dim);
            for (var a = 0; a < dim; a++)
            {
                var ra = (double)row[a];
                for (var b = a; b < dim; b++)
                {
                    m[(a * dim) + b] += ra * row[b];
                }
            }
        }
        for (var a = 0; a < dim; a++)
        {
            for (var b = a; b < dim; b++)
            {
                m[(a * dim) + b] /= n;
                m[(b * dim) + a] = m[(a * dim) + b];
            }
        }
        var start = new float[k * dim];
        Gaussian(start, 1, random);
        var q = start.Select(v => (double)v).ToArray(); // row-major [k, dim]: basis vectors as rows
        var next = new double[k * dim];
        for (var round = 0; round < 30; round++)
        {
            for (var r = 0; r < k; r++)
            {
                for (var a = 0; a < dim; a++)
                {
                    double s = 0;
                    for (var b = 0; b < dim; b++)
                    {
                        s += m[(a * dim) + b] * q[(r * dim) + b];
                    }
                    next[(r * dim) + a] = s;
                }
            }
            // Modified Gram–Schmidt, in row order.
            for (var r = 0; r < k; r++)
            {
                var v = next.AsSpan(r * dim, dim);
                for (var p = 0; p < r; p++)
                {
                    var u = next.AsSpan(p * dim, dim);
                    double dot = 0;
                    for (var j = 0; j < dim; j++)
                    {
                        dot += u[j] * v[j];
                    }
                    for (var j = 0; j < dim; j++)
                    {
                        v[j] -= dot * u[j];
                    }
                }
                double norm = 0;
                foreach (var t in v)
                {
                    norm += t * t;
                }
                norm = Math.Sqrt(norm);
                for (var j = 0; j < dim; j++)
                {
                    v[j] = norm > 0 ? v[j] / norm : 0;
                }
            }
            (q, next) = (next, q);
        }
        return q.Select(v => (float)v).ToArray();
    }

    private static void Gaussian(Span<float> span, float std, Random random)
    {
        for (var i = 0; i < span.Length; i++)
        {
            // Box–Muller.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            span[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    internal static ForwardPass Forward(HeadShape shape, float[] parameters, float[] x, int n)
    {
        var h = new float[n * shape.Hidden];
        var y = new float[n * shape.Output];
        var z = new float[n * shape.Output];
        var norm = new float[n];
        for (var i = 0; i < n; i++)
        {
            var xi = x.AsSpan(i * shape.Input, shape.Input);
            var yi = y.AsSpan(i * shape.Output, shape.Output);
            if (shape.Hidden == 0)
            {
                FusionHead.MatVec(parameters, xi, yi);
            }
            else
            {
                var w1 = parameters.AsSpan(0, shape.Hidden * shape.Input);
                var b1 = parameters.AsSpan(w1.Length, shape.Hidden);
                var w2 = parameters.AsSpan(w1.Length + shape.Hidden);
                var hi = h.AsSpan(i * shape.Hidden, shape.Hidden);
                FusionHead.MatVec(w1, xi, hi);
                for (var j = 0; j < hi.Length; j++)
                {
                    hi[j] = Math.Max(0, hi[j] + b1[j]);
                }
                FusionHead.MatVec(w2, hi, yi);
            }
            var s = MathF.Sqrt(FusionHead.Dot(yi, yi));
            norm[i] = s;
            var zi = z.AsSpan(i * shape.Output, shape.Output);
            for (var j = 0; j < zi.Length; j++)
            {
                zi[j] = s > 0 ? yi[j] / s : 0;
            }
        }
        return new ForwardPass(h, y, z, norm);
    }

    /// <summary>Squared Euclidean distance of rows a and b of row-major z float[n, dim].</summary>
    internal static float Distance(float[] z, int dim, int a, int b)
    {
        var x = z.AsSpan(a * dim, dim);
        var y = z.AsSpan(b * dim, dim);
        float s = 0;
        for (var i = 0; i < dim; i++)
        {
            var t = x[i] - y[i];
            s += t * t;
        }
        return s;
    }

    /// <summary>The batch's tuples: every (anchor, positive) pair of the same identity with a mined n1 (and n2 for the quadruplet loss); see the class remarks.</summary>
    internal static List<HeadTuple> Mine(float[] z, int dim, IReadOnlyList<int> labels, HeadTrainingOptions options, Random random)
    {
        var n = labels.Count;
        var d = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                d[(i * n) + j] = d[(j * n) + i] = Distance(z, dim, i, j);
            }
        }
        var tuples = new List<HeadTuple>();
        var candidates = new List<int>();
        for (var a = 0; a < n; a++)
        {
            for (var p = 0; p < n; p++)
            {
                if (p == a || labels[p] != labels[a])
                {
                    continue;
                }
                var dap = d[(a * n) + p];
                var n1 = Pick(d, n, a, dap, options.Alpha1, j => labels[j] != labels[a], candidates, random);
                if (n1 < 0)
                {
                    continue;
                }
                var n2 = -1;
                if (options.Loss == HeadLoss.Quadruplet)
                {
                    n2 = Pick(d, n, n1, dap, options.Alpha2, j => labels[j] != labels[a] && labels[j] != labels[n1], candidates, random);
                    if (n2 < 0)
                    {
                        continue;
                    }
                }
                tuples.Add(new HeadTuple(a, p, n1, n2));
            }
        }
        return tuples;
    }

    /// <summary>A "hard-ish" negative for row <paramref name="from"/>: random semi-hard, else the least hard violator, else the nearest; −1 when none is valid.</summary>
    private static int Pick(float[] d, int n, int from, float dap, float alpha, Func<int, bool> valid, List<int> candidates, Random random)
    {
        candidates.Clear();
        int leastHard = -1, nearest = -1;
        for (var j = 0; j < n; j++)
        {
            if (j == from || !valid(j))
            {
                continue;
            }
            var dj = d[(from * n) + j];
            if (nearest < 0 || dj < d[(from * n) + nearest])
            {
                nearest = j;
            }
            if (dj > dap && dj < dap + alpha)
            {
                candidates.Add(j);
            }
            else if (dj <= dap && (leastHard < 0 || dj > d[(from * n) + leastHard]))
            {
                leastHard = j;
            }
        }
        return candidates.Count > 0 ? candidates[random.Next(candidates.Count)] : leastHard >= 0 ? leastHard : nearest;
    }

    /// <summary>
    /// The mean loss over <paramref name="tuples"/> and, when <paramref name="gradient"/> is given, its gradient with
    /// respect to the parameters (added to it). Returns (loss, share of tuples with a positive loss).
    /// </summary>
    internal static (double Loss, double Active) Loss(HeadShape shape, float[] parameters, float[] x, ForwardPass f, IReadOnlyList<HeadTuple> tuples, HeadLoss loss,
        float alpha1, float alpha2, float[]? gradient)
    {
        if (tuples.Count == 0)
        {
            return (0, 0);
        }
        var dim = shape.Output;
        var n = f.Norm.Length;
        var gz = gradient is null ? null : new float[n * dim];
        double total = 0;
        var active = 0;
        var scale = 1f / tuples.Count;
        foreach (var t in tuples)
        {
            var dap = Distance(f.Z, dim, t.A, t.P);
            var l1 = dap - Distance(f.Z, dim, t.A, t.N1) + alpha1;
            var l2 = loss == HeadLoss.Quadruplet ? dap - Distance(f.Z, dim, t.N2, t.N1) + alpha2 : 0;
            if (l1 <= 0 && l2 <= 0)
            {
                continue;
            }
            active++;
            total += Math.Max(0, l1) + Math.Max(0, l2);
            if (gz is null)
            {
                continue;
            }
            // ∂‖u − w‖²/∂u = 2(u − w). Each active term adds +d(a,p) and −d(negative pair).
            var weightAp = ((l1 > 0 ? 1 : 0) + (l2 > 0 ? 1 : 0)) * scale;
            AddPairGradient(gz, f.Z, dim, t.A, t.P, 2 * weightAp);
            if (l1 > 0)
            {
                AddPairGradient(gz, f.Z, dim, t.A, t.N1, -2 * scale);
            }
            if (l2 > 0)
            {
                AddPairGradient(gz, f.Z, dim, t.N2, t.N1, -2 * scale);
            }
        }
        if (gz is not null)
        {
            Backward(shape, parameters, x, f, gz, gradient!);
        }
        return (total / tuples.Count, (double)active / tuples.Count);
    }

    /// <summary>gz[u] += w(z[u] − z[v]); gz[v] −= w(z[u] − z[v]).</summary>
    private static void AddPairGradient(float[] gz, float[] z, int dim, int u, int v, float w)
    {
        for (var i = 0; i < dim; i++)
        {
            var g = w * (z[(u * dim) + i] - z[(v * dim) + i]);
            gz[(u * dim) + i] += g;
            gz[(v * dim) + i] -= g;
        }
    }

    /// <summary>Back-propagates ∂L/∂z through the normalisation (∂L/∂y = (g − z(z·g))/‖y‖) and the layers into <paramref name="gradient"/>.</summary>
    private static void Backward(HeadShape shape, float[] parameters, float[] x, ForwardPass f, float[] gz, float[] gradient)
    {
        var n = f.Norm.Length;
        var gy = new float[n * shape.Output];
        for (var i = 0; i < n; i++)
        {
            var z = f.Z.AsSpan(i * shape.Output, shape.Output);
            var g = gz.AsSpan(i * shape.Output, shape.Output);
            if (f.Norm[i] <= 0)
            {
                continue;
            }
            var zg = FusionHead.Dot(z, g);
            var inv = 1 / f.Norm[i];
            for (var j = 0; j < z.Length; j++)
            {
                gy[(i * shape.Output) + j] = (g[j] - (z[j] * zg)) * inv;
            }
        }
        if (shape.Hidden == 0)
        {
            OuterAdd(gradient.AsSpan(), gy, shape.Output, x, shape.Input, n);
            return;
        }
        var w1 = shape.Hidden * shape.Input;
        var w2 = parameters.AsSpan(w1 + shape.Hidden);
        OuterAdd(gradient.AsSpan(w1 + shape.Hidden), gy, shape.Output, f.H, shape.Hidden, n);
        // ∂L/∂h = W2ᵀ·gy, masked by the ReLU.
        var gh = new float[n * shape.Hidden];
        for (var i = 0; i < n; i++)
        {
            for (var o = 0; o < shape.Output; o++)
            {
                var go = gy[(i * shape.Output) + o];
                if (go == 0)
                {
                    continue;
                }
                FusionHead.Axpy(go, w2.Slice(o * shape.Hidden, shape.Hidden), gh.AsSpan(i * shape.Hidden, shape.Hidden));
            }
            for (var j = 0; j < shape.Hidden; j++)
            {
                if (f.H[(i * shape.Hidden) + j] <= 0)
                {
                    gh[(i * shape.Hidden) + j] = 0;
                }
            }
        }
        OuterAdd(gradient.AsSpan(0, w1), gh, shape.Hidden, x, shape.Input, n);
        var gb = gradient.AsSpan(w1, shape.Hidden);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < shape.Hidden; j++)
            {
                gb[j] += gh[(i * shape.Hidden) + j];
            }
        }
    }

    /// <summary>G[rows, cols] += Σᵢ a[i, rows] ⊗ b[i, cols] over the n rows, in row order.</summary>
    private static void OuterAdd(Span<float> g, float[] a, int rows, float[] b, int cols, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var bi = b.AsSpan(i * cols, cols);
            for (var r = 0; r < rows; r++)
            {
                var ar = a[(i * rows) + r];
                if (ar == 0)
                {
                    continue;
                }
                FusionHead.Axpy(ar, bi, g.Slice(r * cols, cols));
            }
        }
    }
}
