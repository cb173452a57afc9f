using Lookalike.Faces;

namespace Lookalike.Gallery;

/// <summary>
/// The embedder as the gallery sees it: what identifies its descriptors (stored beside them, so a change makes them
/// stale) and their length. The web app implements it over the face pipeline; a second embedding model is a new
/// implementation of the embedder behind it, nothing here changes.
/// </summary>
public interface IDescriptorModel
{
    /// <summary>The identity of the descriptors the running embedder produces (name with the settings that change
    /// descriptors, weights SHA-256, dimension).</summary>
    /// <exception cref="IOException">The model file cannot be read.</exception>
    /// <exception cref="InvalidOperationException">The model is not available.</exception>
    ModelIdentity Identity { get; }

    /// <summary>Descriptor length, from the model at run time.</summary>
    int Dimension { get; }

    /// <summary>The configured model choice (<c>Lookalike:Faces:Model</c>): <c>dlib</c>, <c>mobilefacenet</c> or <c>fused</c>, shown by the API and the UI.</summary>
    string Choice { get; }
}
