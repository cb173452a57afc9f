using Lookalike.Index;
using Microsoft.Extensions.Options;

namespace Lookalike.Gallery.Index;

/// <summary>
/// Which index parameters are in force: the ones the tuning page stored in the gallery win over configuration
/// (<see cref="LookalikeOptions.Index"/>); the dimension is always the embedder's. Also stores new ones.
/// </summary>
public sealed class IndexParameterSource(IGalleryStore store, IOptions<LookalikeOptions> options, IDescriptorModel model)
{
    /// <summary>Parameters for the next build, with the embedder's dimension and cosine distance.</summary>
    public HnswOptions Desired() => GalleryIndexParameters.ForModel(store.GetIndexParameters() ?? options.Value.Index, model.Dimension);

    /// <summary>Stores M, efConstruction and the default efSearch (they win over configuration from now on).</summary>
    public void Store(HnswOptions parameters) => store.SetIndexParameters(parameters);

    /// <summary>Stores a new default efSearch with the other parameters in force.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="efSearch"/> is outside 1…<see cref="GalleryLimits.MaxDefaultEfSearch"/>.</exception>
    public void StoreDefaultEfSearch(int efSearch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(efSearch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(efSearch, GalleryLimits.MaxDefaultEfSearch);
        store.SetIndexParameters(Desired() with { DefaultEfSearch = efSearch });
    }
}
