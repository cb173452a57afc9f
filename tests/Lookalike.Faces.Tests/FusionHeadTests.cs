using System.Security.Cryptography;
using Lookalike.Faces.Evaluation.Heads;
using Lookalike.Faces.Heads;

namespace Lookalike.Faces.Tests;

/// <summary>The fusion head (<see cref="FusionHead"/>), its trainer's losses and gradients (<see cref="HeadTrainer"/>) and the shipped weights.</summary>
public sealed class FusionHeadTests
{
    private static readonly int[] TupleLabels = [0, 0, 1, 1, 2, 2, 3, 3];

    /// <summary>Fixed tuples over <see cref="TupleLabels"/>: n1 of another identity than a; n2 of neither a's nor n1's.</summary>
    private static readonly HeadTuple[] Tuples = [new(0, 1, 2, 4), new(2, 3, 4, 6), new(5, 4, 6, 0), new(6, 7, 1, 3), new(1, 0, 7, 2)];

    [Theory]
    [InlineData(HeadLoss.Triplet, 0)]
    [InlineData(HeadLoss.Quadruplet, 0)]
    [InlineData(HeadLoss.Triplet, 5)]
    [InlineData(HeadLoss.Quadruplet, 5)]
    public void Loss_EachLossAndShape_GradientMatchesFiniteDifferences(HeadLoss loss, int hidden)
    {
        // Arrange: 8 random inputs of 6-D, a 6→(5→)4 head; margins large enough that every term is active (no hinge kink near)
        const float alpha1 = 1.5f, alpha2 = 1.0f, eps = 1e-3f;
        var random = new Random(5);
        var shape = new HeadTrainer.HeadShape(6, hidden, 4);
        var x = Enumerable.Range(0, 8 * 6).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var parameters = HeadTrainer.Initialise(shape, random);
        if (hidden > 0)
        {
            for (var j = 0; j < hidden; j++)
            {
                parameters[(hidden * 6) + j] = 0.3f; // b1 > 0 keeps the ReLUs away from their kink
            }
        }
        double LossAt(float[] p) => HeadTrainer.Loss(shape, p, x, HeadTrainer.Forward(shape, p, x, 8), Tuples, loss, alpha1, alpha2, null).Loss;

        // Act
        var gradient = new float[parameters.Length];
        var (value, active) = HeadTrainer.Loss(shape, parameters, x, HeadTrainer.Forward(shape, parameters, x, 8), Tuples, loss, alpha1, alpha2, gradient);

        // Assert: every tuple active, and each partial derivative equals the central difference
        Assert.Equal(1.0, active);
        Assert.True(value > 0);
        for (var i = 0; i < parameters.Length; i++)
        {
            var plus = (float[])parameters.Clone();
            var minus = (float[])parameters.Clone();
            plus[i] += eps;
            minus[i] -= eps;
            var numeric = (LossAt(plus) - LossAt(minus)) / (2 * eps);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 2e-3 + (2e-2 * Math.Abs(numeric)), $"parameter {i}: analytic {gradient[i]}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Loss_QuadrupletTermsInactive_IsZeroWithZeroGradient()
    {
        // Arrange: identities far apart (one-hot inputs, identity head): no term violates a small margin
        var shape = new HeadTrainer.HeadShape(4, 0, 4);
        float[] x = [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        float[] identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

        // Act
        var gradient = new float[identity.Length];
        var (value, active) = HeadTrainer.Loss(shape, identity, x, HeadTrainer.Forward(shape, identity, x, 8), Tuples, HeadLoss.Quadruplet, 0.5f, 0.25f, gradient);

        // Assert
        Assert.Equal(0, value);
        Assert.Equal(0, active);
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(HeadLoss.Triplet)]
    [InlineData(HeadLoss.Quadruplet)]
    public void Train_SameSeed_GivesIdenticalHeadAndAnotherSeedDoesNot(HeadLoss loss)
    {
        // Arrange
        var (x, labels) = Separable(identities: 12, perIdentity: 4, dim: 10, seed: 1);
        var options = new HeadTrainingOptions { Loss = loss, OutputDimension = 6, Steps = 40, IdentitiesPerBatch = 6, LogEvery = 10 };

        // Act
        var (a, curveA) = HeadTrainer.Train(x, 10, labels, options);
        var (b, curveB) = HeadTrainer.Train(x, 10, labels, options);
        var (c, _) = HeadTrainer.Train(x, 10, labels, options with { Seed = options.Seed + 1 });

        // Assert
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(curveA, curveB);
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Theory]
    [InlineData(HeadLoss.Triplet, 0)]
    [InlineData(HeadLoss.Quadruplet, 0)]
    [InlineData(HeadLoss.Quadruplet, 16)]
    public void Train_SeparableIdentities_LossFallsAndIdentitiesSeparate(HeadLoss loss, int hidden)
    {
        // Arrange: 20 identities in 12-D, centres far apart relative to the noise but mixed by a random map the head must undo
        var (x, labels) = Separable(identities: 20, perIdentity: 6, dim: 12, seed: 3);
        var options = new HeadTrainingOptions { Loss = loss, HiddenDimension = hidden, OutputDimension = 8, Steps = 400, IdentitiesPerBatch = 10, LogEvery = 50, LearningRate = 5e-3f };

        // Act
        var (head, curve) = HeadTrainer.Train(x, 12, labels, options);
        var z = head.Apply(x);

        // Assert: the last window's loss is under a third of the first, and every point's nearest neighbour is of its identity
        Assert.True(curve[^1].Loss < curve[0].Loss / 3, $"loss {curve[0].Loss} → {curve[^1].Loss}");
        for (var i = 0; i < labels.Length; i++)
        {
            var nearest = Enumerable.Range(0, labels.Length).Where(j => j != i).MinBy(j => HeadTrainer.Distance(z, 8, i, j));
            Assert.Equal(labels[i], labels[nearest]);
        }
    }

    [Fact]
    public void PrincipalSubspace_TwoDominantAxes_FindsThemInOrderOrthonormal()
    {
        // Arrange: 5-D rows with standard deviation 3 on axis 2, 2 on axis 0 and 1 elsewhere
        var random = new Random(6);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[] scale = [2, 1, 3, 1, 1];
        var x = Enumerable.Range(0, 4000 * 5).Select(i => (float)(scale[i % 5] * Normal())).ToArray();

        // Act
        var q = HeadTrainer.PrincipalSubspace(x, 4000, 5, 2, new Random(1));

        // Assert: first row ±e2, second ±e0 (to sampling error), both of unit length
        Assert.Equal(1.0, Math.Abs(q[2]), 2);
        Assert.Equal(1.0, Math.Abs(q[5 + 0]), 2);
        Assert.Equal(1.0, q.Take(5).Sum(v => (double)v * v), 5);
        Assert.Equal(1.0, q.Skip(5).Sum(v => (double)v * v), 5);
        Assert.Equal(0.0, q.Take(5).Zip(q.Skip(5)).Sum(p => (double)p.First * p.Second), 5);
    }

    [Fact]
    public void Apply_AnyInput_GivesUnitRowsOfOutputDimension()
    {
        // Arrange
        var random = new Random(2);
        var head = new FusionHead(5, 3, 4, Enumerable.Range(0, FusionHead.ParameterCount(5, 3, 4)).Select(_ => (float)random.NextDouble() - 0.3f).ToArray());
        var x = Enumerable.Range(0, 3 * 5).Select(_ => (float)random.NextDouble()).ToArray();

        // Act
        var z = head.Apply(x);

        // Assert
        Assert.Equal(3 * 4, z.Length);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1.0, Math.Sqrt(z.AsSpan(i * 4, 4).ToArray().Sum(v => (double)v * v)), 5);
        }
        Assert.Throws<ArgumentException>(() => head.Apply(new float[7]));
    }

    [Fact]
    public void Deserialize_RoundTrip_GivesTheSameHead()
    {
        // Arrange
        var head = new FusionHead(3, 0, 2, [1, 2, 3, 4, 5, 6]);

        // Act
        var back = FusionHead.Deserialize(head.Serialize());

        // Assert
        Assert.Equal((3, 0, 2), (back.InputDimension, back.HiddenDimension, back.OutputDimension));
        Assert.Equal(head.Parameters, back.Parameters);
    }

    [Fact]
    public void Deserialize_FlippedByte_IsRefusedForItsChecksum()
    {
        // Arrange
        var file = new FusionHead(3, 0, 2, [1, 2, 3, 4, 5, 6]).Serialize();
        file[24] ^= 0x01;

        // Act
        var e = Assert.Throws<InvalidDataException>(() => FusionHead.Deserialize(file, null, "test.bin"));

        // Assert
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.bin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_WrongSize_IsRefusedNamingTheExpectedSize()
    {
        // Arrange: four bytes short (one parameter missing)
        var file = new FusionHead(3, 0, 2, [1, 2, 3, 4, 5, 6]).Serialize();
        var truncated = file.Take(20 + 20).Concat(file.Skip(file.Length - 32)).ToArray();

        // Act
        var e = Assert.Throws<InvalidDataException>(() => FusionHead.Deserialize(truncated));

        // Assert
        Assert.Contains($"has {file.Length}", e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong size", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_NotTheExpectedSha256_IsRefused()
    {
        // Arrange: a valid head file that is not the expected one
        var file = new FusionHead(3, 0, 2, [1, 2, 3, 4, 5, 6]).Serialize();

        // Act
        var e = Assert.Throws<InvalidDataException>(() => FusionHead.Deserialize(file, FusionHead.ShippedSha256));

        // Assert
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(file)), e.Message, StringComparison.Ordinal);
        Assert.Contains("not the expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_NotAHeadFile_IsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => FusionHead.Deserialize(new byte[100]));
        Assert.Contains("not a fusion head file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadShipped_Embedded_Is320To128WithUnitOutputs()
    {
        // Arrange
        var random = new Random(4);
        var x = Enumerable.Range(0, 5 * 320).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

        // Act
        var head = FusionHead.LoadShipped();
        var z = head.Apply(x);

        // Assert
        Assert.Equal(320, head.InputDimension);
        Assert.Equal(128, head.OutputDimension);
        Assert.Equal(5 * 128, z.Length);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1.0, Math.Sqrt(z.AsSpan(i * 128, 128).ToArray().Sum(v => (double)v * v)), 5);
        }
    }

    /// <summary>Identities as Gaussian clusters (centres N(0, 1), noise σ 0.15) seen through a fixed random linear map; rows not normalised.</summary>
    private static (float[] X, int[] Labels) Separable(int identities, int perIdentity, int dim, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var mix = Enumerable.Range(0, dim * dim).Select(_ => Normal()).ToArray();
        var x = new float[identities * perIdentity * dim];
        var labels = new int[identities * perIdentity];
        for (var c = 0; c < identities; c++)
        {
            var centre = Enumerable.Range(0, dim).Select(_ => Normal()).ToArray();
            for (var k = 0; k < perIdentity; k++)
            {
                var row = (c * perIdentity) + k;
                labels[row] = c;
                var v = centre.Select(m => m + (0.15 * Normal())).ToArray();
                for (var i = 0; i < dim; i++)
                {
                    double s = 0;
                    for (var j = 0; j < dim; j++)
                    {
                        s += mix[(i * dim) + j] * v[j];
                    }
                    x[(row * dim) + i] = (float)s;
                }
            }
        }
        return (x, labels);
    }
}
