using Lookalike.Faces;

namespace Lookalike.Gallery.Index;

/// <summary>
/// Decides whether the store's descriptors were made by the running embedder (name with its descriptor settings, weights
/// SHA-256, dimension) and words it for the user when they were not. A stale store serves nothing until re-imported.
/// </summary>
public sealed class ModelStalenessPolicy(IDescriptorModel model)
{
    /// <summary>Null when <paramref name="stored"/> matches the running embedder (or nothing is stored, or the model cannot
    /// be read), otherwise the message saying which differs and that the gallery must be re-imported.</summary>
    public string? Check(ModelIdentity? stored)
    {
        if (stored is null)
        {
            return null;
        }
        ModelIdentity current;
        try
        {
            current = model.Identity;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            return null;
        }
        if (stored.Dimension != 0 && current.Dimension != stored.Dimension)
        {
            return $"The stored descriptors have {stored.Dimension} dimensions but the model gives {current.Dimension}: re-import the gallery.";
        }
        return current.Name == stored.Name && current.WeightsSha256 == stored.WeightsSha256
            ? null
            : $"The gallery was embedded with model {stored.Name} ({Short(stored.WeightsSha256)}), the app now runs {current.Name} ({Short(current.WeightsSha256)}): its descriptors are stale — re-import the gallery.";
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
