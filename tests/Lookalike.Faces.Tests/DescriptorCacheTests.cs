using Lookalike.Faces.Evaluation;
using Lookalike.Faces.MobileFaceNet;
using Lookalike.Tests.Infrastructure;

namespace Lookalike.Faces.Tests;

/// <summary>The descriptor cache file (<see cref="DescriptorCache"/>) and <see cref="LfwVerification.DescribeIdentities"/>, the CelebA training descriptors of <c>train-head</c>.</summary>
public sealed class DescriptorCacheTests
{
    [Fact]
    public void Read_WrittenCache_GivesKeysPersonsAndBothModels()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"lk-cache-{Guid.NewGuid():N}.bin");
        try
        {
            DescriptorCache.Write(path, ["a_0001", "000002.jpg"], ["a", "celeba_7"], [1, 2, 3, 4], 2, [5, 6, 7, 8, 9, 10], 3);

            // Act
            var cache = DescriptorCache.Read(path);

            // Assert
            Assert.Equal(2, cache.Count);
            Assert.Equal(["a_0001", "000002.jpg"], cache.Keys);
            Assert.Equal(["a", "celeba_7"], cache.Persons);
            Assert.Equal([1f, 2, 3, 4], cache.Dlib);
            Assert.Equal([5f, 6, 7, 8, 9, 10], cache.MobileFaceNet);
            Assert.Equal(5, cache.Fused().Length / 2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Write_KeyWithSpace_IsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lk-cache-{Guid.NewGuid():N}.bin");
        Assert.Throws<ArgumentException>(() => DescriptorCache.Write(path, ["a b"], ["a"], [1, 2], 2, [3, 4, 5], 3));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Read_TruncatedCache_IsRefusedWithTheExpectedLength()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"lk-cache-{Guid.NewGuid():N}.bin");
        try
        {
            DescriptorCache.Write(path, ["a_0001"], ["a"], [1, 2], 2, [3, 4, 5], 3);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^4]);

            // Act
            var e = Assert.Throws<InvalidDataException>(() => DescriptorCache.Read(path));

            // Assert
            Assert.Contains($"expected {bytes.Length}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SharedDataFact("data/celeba")]
    public void DescribeIdentities_TwoCelebAPhotos_WritesUnitMobileFaceNetAndDlibDescriptors()
    {
        // Arrange: the first two lines of the CelebA identities
        var celeba = Path.Combine(TestPaths.SharedData, "celeba");
        var identities = Path.Combine(Path.GetTempPath(), $"lk-ids-{Guid.NewGuid():N}.txt");
        var output = identities + ".bin";
        File.WriteAllLines(identities, File.ReadLines(Path.Combine(celeba, "identity_CelebA_subset.txt")).Take(2));
        var options = new FaceOptions { ModelDirectory = TestPaths.Models };
        using var pipeline = new FacePipeline(options);
        using var mobileFaceNet = new MobileFaceNetEmbedder(options);
        try
        {
            // Act
            var (images, _) = new LfwVerification(pipeline).DescribeIdentities(Path.Combine(celeba, "img_celeba"), identities, "celeba_", mobileFaceNet, output);
            var cache = DescriptorCache.Read(output);

            // Assert
            Assert.Equal(2, images);
            Assert.Equal((128, 192), (cache.DlibDimension, cache.MobileFaceNetDimension));
            Assert.All(cache.Persons, p => Assert.StartsWith("celeba_", p, StringComparison.Ordinal));
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(1.0, Math.Sqrt(cache.MobileFaceNet.AsSpan(i * 192, 192).ToArray().Sum(v => (double)v * v)), 3);
                Assert.InRange(Math.Sqrt(cache.Dlib.AsSpan(i * 128, 128).ToArray().Sum(v => (double)v * v)), 0.5, 1.5);
            }
        }
        finally
        {
            File.Delete(identities);
            File.Delete(output);
        }
    }
}
