using Lookalike.Faces.Alignment;
using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Landmarks;

namespace Lookalike.Faces.AgeGender;

/// <summary>
/// Age and sex of a face from its stored 112×112 thumbnail (<see cref="AnalyzedFace.ThumbnailJpeg"/>: the dlib-aligned
/// chip, eyes level), so that gallery faces imported before the estimates existed get them without their photos, and the
/// probe, new imports and the backfill all go through the same path and agree. Thread-safe.
/// </summary>
/// <remarks>
/// The 68 landmarks are found on the thumbnail (<see cref="FaceLandmarker"/>, with the box of dlib's face region in the
/// chip: the central 1/1.5 of the side, as <c>get_face_chip_details(shape, 150, 0.25)</c> places it), and
/// <see cref="AgeGenderEstimator"/> cuts face-api.js's aligned square from them. On LFW this agrees with the estimate
/// from the full photo (see <c>ChipAgeGenderTests</c> and the README's measurements).
/// </remarks>
public sealed class ChipAgeGenderEstimator : IDisposable
{
    private const float ChipPadding = 0.25f;
    private readonly ImageDecoder _decoder;
    private readonly FaceLandmarker _landmarker;
    private readonly AgeGenderEstimator _estimator;

    /// <summary>Builds the landmark and age/gender networks.</summary>
    /// <param name="options">Model folder, threads, decode limits.</param>
    /// <exception cref="FileNotFoundException">The face-api.js weights are missing (build the solution to fetch them).</exception>
    public ChipAgeGenderEstimator(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _decoder = new ImageDecoder(options);
        _landmarker = new FaceLandmarker(options);
        _estimator = new AgeGenderEstimator(options);
    }

    /// <summary>Estimates age and sex from a face's thumbnail JPEG.</summary>
    /// <param name="thumbnailJpeg">The 112×112 JPEG of the aligned chip, as the pipeline makes and the store keeps it.</param>
    /// <returns>The estimate (age in years, P(male)).</returns>
    /// <exception cref="ImageRejectedException">The bytes are not a decodable image.</exception>
    public AgeGenderEstimate Estimate(ReadOnlySpan<byte> thumbnailJpeg) => Estimate(_decoder.Decode(thumbnailJpeg));

    /// <summary>Estimates age and sex from a decoded aligned chip (any square size; the thumbnail is 112×112).</summary>
    /// <param name="chip">The aligned chip, upright, eyes level.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chip"/> is null.</exception>
    public AgeGenderEstimate Estimate(RgbImage chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var side = chip.Width / (1f + (2f * ChipPadding));
        var offset = chip.Width * ChipPadding / (1f + (2f * ChipPadding));
        var box = new FaceBox(offset, offset * chip.Height / chip.Width, side, side * chip.Height / chip.Width);
        var landmarks = _landmarker.Detect(chip, new DetectedFace(box, [], 1f));
        return _estimator.Estimate(chip, landmarks);
    }

    /// <summary>Releases the two networks' sessions.</summary>
    public void Dispose()
    {
        _landmarker.Dispose();
        _estimator.Dispose();
    }
}
