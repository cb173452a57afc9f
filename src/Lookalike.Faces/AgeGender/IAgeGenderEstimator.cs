namespace Lookalike.Faces.AgeGender;

/// <summary>
/// Pipeline stage: estimated age and sex of one face, from face-api.js's AgeGenderNet (V. Mühler, face-api.js; weights
/// <c>age_gender_model</c> from @vladmandic/face-api 1.7.15, MIT), trained on UTK-style face crops.
/// </summary>
/// <remarks>
/// Estimates, not facts: the network guesses apparent age and sex from the face alone. Callers should show them as
/// estimates ("~34, woman") and treat probabilities near 0.5 as unknown.
/// </remarks>
public interface IAgeGenderEstimator
{
    /// <summary>Estimates age and sex of the face whose 68 landmarks are given.</summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="landmarks68">68 iBUG points in source pixels, as <see cref="Landmarks.FaceLandmarker.Detect"/> returns them.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="landmarks68"/> does not hold 68 points.</exception>
    AgeGenderEstimate Estimate(RgbImage image, IReadOnlyList<Point2> landmarks68);
}

/// <summary>One face's estimate.</summary>
/// <param name="AgeYears">Estimated apparent age in years (a regression output; not clamped, typically 1–90).</param>
/// <param name="MaleProbability">Softmax probability in [0, 1] that the face is a man's; 1 − this is the woman probability.</param>
public readonly record struct AgeGenderEstimate(float AgeYears, float MaleProbability)
{
    /// <summary>Probabilities within this distance of 0.5 count as uncertain (<see cref="Sex"/> is <see cref="EstimatedSex.Unknown"/>).</summary>
    public const float UncertainBand = 0.15f;

    /// <summary>The estimated sex: <see cref="EstimatedSex.Unknown"/> when <see cref="MaleProbability"/> lies in 0.5 ± <see cref="UncertainBand"/>.</summary>
    public EstimatedSex Sex => MaleProbability >= 0.5f + UncertainBand ? EstimatedSex.Male
        : MaleProbability <= 0.5f - UncertainBand ? EstimatedSex.Female
        : EstimatedSex.Unknown;
}

/// <summary>Estimated sex of a face.</summary>
public enum EstimatedSex
{
    /// <summary>The estimate is too close to 0.5 to call.</summary>
    Unknown = 0,

    /// <summary>Estimated man.</summary>
    Male = 1,

    /// <summary>Estimated woman.</summary>
    Female = 2,
}
