using Lookalike.Faces;
using Lookalike.Tests.Infrastructure;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Gallery.Sqlite;
using Lookalike.Web.Gallery;

namespace Lookalike.Tests.Gallery;

public sealed class DescriptorIdentityTests
{
    [Fact]
    public void Of_JitterOn_NamesItAndDiffersFromTheDefault()
    {
        // Arrange
        using var plain = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        using var jittered = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 10 });

        // Act
        var a = DescriptorIdentity.Of(plain);
        var b = DescriptorIdentity.Of(jittered);

        // Assert: a store made with one is stale for the other; the default keeps the identity stores had before the option.
        Assert.DoesNotContain("jitter", a.Name, StringComparison.Ordinal);
        Assert.EndsWith("; jitter=10", b.Name, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Equal(a.WeightsSha256, b.WeightsSha256);
    }

    [Fact]
    public void Of_JitterOneOrFlipWithJitter_SameIdentityAsTheDescriptorsTheyGive()
    {
        // Arrange: Jitter 1 is no jitter (as dlib's num_jitters 1); with jitter on, FlipAverage changes nothing.
        using var plain = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models });
        using var one = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 1 });
        using var jitterFlip = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 4 });
        using var jitterNoFlip = new FacePipeline(new FaceOptions { ModelDirectory = TestPaths.Models, Jitter = 4, FlipAverage = false });

        // Act + Assert
        Assert.Equal(DescriptorIdentity.Of(plain), DescriptorIdentity.Of(one));
        Assert.Equal(DescriptorIdentity.Of(jitterFlip), DescriptorIdentity.Of(jitterNoFlip));
    }
}
