using Lookalike.Gallery;

namespace Lookalike.Tests.Gallery;

/// <summary><see cref="GalleryIndexParameters.Validate"/>; the store's own tests are <see cref="GalleryStoreContractTests"/> (both adapters).</summary>
public sealed class GalleryIndexParametersTests
{
    [Theory]
    [InlineData(1, 200, 64, "M")]
    [InlineData(16, 8, 64, "EfConstruction")]
    [InlineData(16, 200, 0, "EfSearch")]
    public void Validate_BadParameter_NamesTheField(int m, int efc, int efs, string field)
    {
        var errors = GalleryIndexParameters.Validate(GalleryIndexParameters.Create(m, efc, efs));

        Assert.Equal(field, Assert.Single(errors).Key);
    }
}
