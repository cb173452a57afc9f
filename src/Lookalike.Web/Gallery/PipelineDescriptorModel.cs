using Lookalike.Faces;
using Lookalike.Gallery;

namespace Lookalike.Web.Gallery;

/// <summary>The gallery's view of the running face pipeline: its descriptor identity and dimension, both read at run time.</summary>
public sealed class PipelineDescriptorModel(FacePipeline pipeline) : IDescriptorModel
{
    /// <inheritdoc/>
    public ModelIdentity Identity => DescriptorIdentity.Of(pipeline);

    /// <inheritdoc/>
    public int Dimension => pipeline.Model.Dimension;

    /// <inheritdoc/>
    public string Choice => pipeline.Options.Model;
}
