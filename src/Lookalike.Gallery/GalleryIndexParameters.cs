using System.Globalization;
using Lookalike.Index;

namespace Lookalike.Gallery;

/// <summary>
/// The gallery's index parameters are <see cref="HnswOptions"/> (M, EfConstruction, DefaultEfSearch): this class builds
/// them for the embedder in force, checks them against <see cref="GalleryLimits"/> and words them for the UI.
/// </summary>
public static class GalleryIndexParameters
{
    /// <summary>Names of the fields in <see cref="Validate"/>'s result.</summary>
    public const string MField = "M", EfConstructionField = "EfConstruction", EfSearchField = "EfSearch";

    /// <summary>The library's defaults (M 16, efConstruction 200, efSearch 64), before a dimension is known.</summary>
    public static HnswOptions Defaults => Create(new HnswOptions { Dimension = 1 }.M, new HnswOptions { Dimension = 1 }.EfConstruction, new HnswOptions { Dimension = 1 }.DefaultEfSearch);

    /// <summary>Parameters with the given values; the dimension is a placeholder that <see cref="ForModel"/> replaces.</summary>
    public static HnswOptions Create(int m, int efConstruction, int efSearch) =>
        new() { Dimension = 1, Metric = DistanceMetric.Cosine, M = m, EfConstruction = efConstruction, DefaultEfSearch = efSearch };

    /// <summary>The options of a gallery index: <paramref name="parameters"/> with the embedder's dimension and cosine distance.</summary>
    /// <param name="parameters">M, EfConstruction and DefaultEfSearch to use.</param>
    /// <param name="dimension">Descriptor length of the embedder in force.</param>
    public static HnswOptions ForModel(HnswOptions parameters, int dimension)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters with { Dimension = dimension, Metric = DistanceMetric.Cosine };
    }

    /// <summary>Field errors keyed by <see cref="MField"/>, <see cref="EfConstructionField"/> and <see cref="EfSearchField"/>;
    /// empty when valid (M 2–128, efConstruction from M to 2,000, efSearch 1–2,000: see <see cref="GalleryLimits"/>).</summary>
    public static IReadOnlyDictionary<string, string> Validate(HnswOptions parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new Dictionary<string, string>();
        if (parameters.M is < GalleryLimits.MinM or > GalleryLimits.MaxM)
        {
            errors[MField] = string.Create(CultureInfo.InvariantCulture, $"M must be between {GalleryLimits.MinM} and {GalleryLimits.MaxM}.");
        }
        if (parameters.EfConstruction < parameters.M || parameters.EfConstruction > GalleryLimits.MaxEfConstruction)
        {
            errors[EfConstructionField] = string.Create(CultureInfo.InvariantCulture, $"efConstruction must be at least M and at most {GalleryLimits.MaxEfConstruction}.");
        }
        if (parameters.DefaultEfSearch is < 1 or > GalleryLimits.MaxDefaultEfSearch)
        {
            errors[EfSearchField] = string.Create(CultureInfo.InvariantCulture, $"efSearch must be between 1 and {GalleryLimits.MaxDefaultEfSearch}.");
        }
        return errors;
    }

    /// <summary>"M=16, efConstruction=200, efSearch=64".</summary>
    public static string Describe(HnswOptions parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return string.Create(CultureInfo.InvariantCulture, $"M={parameters.M}, efConstruction={parameters.EfConstruction}, efSearch={parameters.DefaultEfSearch}");
    }
}
