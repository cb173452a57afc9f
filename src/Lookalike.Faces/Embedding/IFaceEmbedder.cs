namespace Lookalike.Faces.Embedding;

/// <summary>
/// A face descriptor network: maps aligned square RGB chips to fixed-length descriptors compared by Euclidean distance.
/// <see cref="FacePipeline"/> composes one with an <see cref="Detection.IFaceDetector"/>; <see cref="FaceEmbedder"/> (dlib
/// ResNet-34, 128-D on 150×150 chips) is the default.
/// </summary>
/// <remarks>
/// Implementations are thread-safe (one instance serves concurrent calls) and release their model in
/// <see cref="IDisposable.Dispose"/>. Every consumer reads the descriptor length from <see cref="Dimension"/> at run time.
/// </remarks>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>Model name and version, e.g. "dlib-resnet34-v1 (face-api.js 1.7.15)"; part of the stored descriptors' identity.</summary>
    string Name { get; }

    /// <summary>Lower-case hex SHA-256 (64 characters) of the weights file: a change means stored descriptors are stale.</summary>
    string WeightsSha256 { get; }

    /// <summary>Length of one descriptor, in floats (dlib: 128).</summary>
    int Dimension { get; }

    /// <summary>Side of the square input chip in pixels (dlib: 150); each chip is row-major [ChipSize, ChipSize, 3] RGB bytes.</summary>
    int ChipSize { get; }

    /// <summary>Embeds a batch of chips.</summary>
    /// <param name="chips">Chips, each row-major [<see cref="ChipSize"/>, <see cref="ChipSize"/>, 3] RGB bytes.</param>
    /// <returns>Row-major [chips.Count, <see cref="Dimension"/>] descriptors, in input order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chips"/> is null.</exception>
    /// <exception cref="ArgumentException">A chip has the wrong length.</exception>
    /// <remarks>Values are returned as the network produced them, degenerate ones included (NaN, all zeros):
    /// <see cref="FacePipeline"/> screens them with <see cref="DescriptorCheck"/>.</remarks>
    float[] Embed(IReadOnlyList<byte[]> chips);

    /// <summary>
    /// Embeds chips and averages each run of <paramref name="groupSize"/> consecutive descriptors (e.g. the jittered
    /// chips of one face), without any mirror averaging of its own.
    /// </summary>
    /// <param name="chips">Chips, each row-major [<see cref="ChipSize"/>, <see cref="ChipSize"/>, 3] RGB bytes; a multiple of <paramref name="groupSize"/> of them.</param>
    /// <param name="groupSize">Chips per descriptor, ≥ 1.</param>
    /// <returns>Row-major [chips.Count / groupSize, <see cref="Dimension"/>] mean descriptors.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chips"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groupSize"/> is below 1.</exception>
    /// <exception cref="ArgumentException">A chip has the wrong length, or the count is not a multiple of <paramref name="groupSize"/>.</exception>
    float[] EmbedMean(IReadOnlyList<byte[]> chips, int groupSize);
}
