using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Evaluation;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

public sealed class GeometryAndProtocolTests
{
    [Fact]
    public void SimilarityFit_ExactlyTransformedPoints_RecoversTheTransform()
    {
        // Arrange: rotate by 20°, scale 1.7, translate (12, −5)
        var expected = new SimilarityTransform(1.7f * MathF.Cos(0.349f), 1.7f * MathF.Sin(0.349f), 12f, -5f);
        Point2[] from = [new(10, 20), new(60, 22), new(35, 50), new(36, 80)];
        var to = from.Select(p => { var (x, y) = expected.Apply(p.X, p.Y); return new Point2(x, y); }).ToArray();

        // Act
        var fitted = SimilarityTransform.Fit(from, to, [1f, 1f, 0.5f, 1f]);

        // Assert
        Assert.Equal(expected.A, fitted.A, 4);
        Assert.Equal(expected.B, fitted.B, 4);
        Assert.Equal(expected.Tx, fitted.Tx, 3);
        Assert.Equal(expected.Ty, fitted.Ty, 3);
    }

    [Fact]
    public void SimilarityInverse_ComposedWithTransform_IsIdentity()
    {
        // Arrange
        var t = new SimilarityTransform(0.8f, -0.3f, 40f, 7f);

        // Act
        var (x, y) = t.Inverse().Apply(t.Apply(13f, 77f).X, t.Apply(13f, 77f).Y);

        // Assert
        Assert.Equal(13f, x, 3);
        Assert.Equal(77f, y, 3);
    }

    [Fact]
    public void Mirror_Twice_GivesTheChipBack()
    {
        // Arrange
        var chip = EmbeddingReferenceTests.MakeChip((x, y, c) => (x * 3) + y + c);

        // Act
        var twice = FaceAligner.Mirror(FaceAligner.Mirror(chip));

        // Assert
        Assert.Equal(chip, twice);
    }

    [Fact]
    public void Order_SeveralFaces_LargestFirstThenLeftToRight()
    {
        // Arrange
        DetectedFace Face(float x, float side) => new(new FaceBox(x, 10, side, side), [], 0.9f);
        var faces = new List<DetectedFace> { Face(300, 50), Face(10, 60), Face(150, 90), Face(90, 40) };

        // Act
        var ordered = BlazeFaceDetector.Order(faces);

        // Assert
        Assert.Equal(new float[] { 150, 10, 90, 300 }, ordered.Select(f => f.Box.X));
    }

    [Fact]
    public void BestThreshold_SeparableDistances_PerfectAccuracyBetweenTheClasses()
    {
        // Arrange
        double[] distances = [0.2, 0.3, 0.45, 0.7, 0.8, 0.9];
        bool[] same = [true, true, true, false, false, false];

        // Act
        var (threshold, accuracy) = LfwVerification.BestThreshold(distances, same);

        // Assert
        Assert.Equal(1.0, accuracy);
        Assert.InRange(threshold, 0.45, 0.7);
        Assert.Equal(1.0, LfwVerification.Accuracy(distances, same, threshold));
    }

    [SharedDataFact("data/lfw/pairs_folds1-8.txt")]
    public void ReadPairs_SharedFolds_EightFoldsOf300MatchedAnd300Mismatched()
    {
        // Act
        var pairs = LfwVerification.ReadPairs(Path.Combine(TestPaths.SharedData, "lfw", "pairs_folds1-8.txt"));

        // Assert
        Assert.Equal(4800, pairs.Count);
        Assert.All(pairs.GroupBy(p => p.Fold), g => Assert.Equal(300, g.Count(p => p.Same)));
        Assert.Equal(8, pairs.Select(p => p.Fold).Distinct().Count());
    }
}
