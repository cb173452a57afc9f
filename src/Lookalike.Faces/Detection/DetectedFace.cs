namespace Lookalike.Faces;

/// <summary>A face box in source-image pixels (upright image): top-left corner and size, clamped to the image.</summary>
/// <param name="X">Left edge in pixels.</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    /// <summary>Width × Height, in square pixels.</summary>
    public float Area => Width * Height;

    /// <summary>Centre of the box in pixels.</summary>
    public Point2 Centre => new(X + (Width / 2), Y + (Height / 2));
}

/// <summary>A point in source-image pixels (x to the right, y down; the top-left corner of the image is (0, 0)).</summary>
/// <param name="X">Horizontal position in pixels.</param>
/// <param name="Y">Vertical position in pixels.</param>
public readonly record struct Point2(float X, float Y);

/// <summary>
/// A detected face: box, the six BlazeFace keypoints in source pixels — [0] eye on the image's left (the subject's right
/// eye), [1] eye on the image's right, [2] nose tip, [3] mouth centre, [4] ear tragion on the image's left, [5] ear
/// tragion on the image's right — and the detection score in [0, 1].
/// </summary>
/// <param name="Box">Face box in source pixels, clamped to the image.</param>
/// <param name="Keypoints">The six keypoints in source pixels, clamped to the image (x in [0, width], y in [0, height]): a point the detector places beyond the edge of a cut face lies on the edge.</param>
/// <param name="Score">Sigmoid of the BlazeFace logit of the strongest anchor, in [0, 1].</param>
public sealed record DetectedFace(FaceBox Box, IReadOnlyList<Point2> Keypoints, float Score);
