using Lookalike.Faces;
using Lookalike.Tests.Infrastructure;
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
}
