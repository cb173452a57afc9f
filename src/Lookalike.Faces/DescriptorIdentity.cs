using System.Globalization;

namespace Lookalike.Faces;

/// <summary>
/// What the store records as "the model that produced the descriptors": the network's name and weights hash plus the
/// pipeline settings that change descriptors (landmark alignment, flip averaging, jitter, detector model). A change in any
/// of them makes the stored descriptors stale, exactly like new weights. (Jitter is named only when it is on — 2 or more, which also
/// makes the flip setting irrelevant — so stores made before the option existed keep their identity.)
/// </summary>
public static class DescriptorIdentity
{
    /// <summary>The identity of <paramref name="pipeline"/>'s descriptors.</summary>
    /// <param name="pipeline">The pipeline whose descriptors are stored.</param>
    /// <returns>The embedder's <see cref="ModelIdentity"/> with the settings appended to its name, e.g. "dlib-resnet34-v1 (face-api.js 1.7.15); align=dlib-68+mirror; flip=avg; detector=back-256".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pipeline"/> is null.</exception>
    public static ModelIdentity Of(FacePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var model = pipeline.Model;
        var o = pipeline.Options;
        var variant = string.Create(CultureInfo.InvariantCulture,
            $"{model.Name}; align={(o.UseLandmarks ? "dlib-68" : "blazeface-5")}{(o.UseLandmarks && o.LandmarkFlipAverage ? "+mirror" : "")}; flip={(o.Jitter >= 2 ? "jitter" : o.FlipAverage ? "avg" : "off")}; detector={(o.UseBackModel ? "back-256" : "front-128")}{(o.Jitter >= 2 ? $"; jitter={o.Jitter}" : "")}");
        return model with { Name = variant };
    }
}
