using System.Globalization;
using Lookalike.Faces.AgeGender;
using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Landmarks;

namespace Lookalike.Faces.Evaluation;

/// <summary>Result of <see cref="LfwSexAgreement.Run"/>.</summary>
/// <param name="People">People measured (each with at least the minimum of analysed photos).</param>
/// <param name="Photos">Photos with a detected face, over those people.</param>
/// <param name="Agreeing">Photos whose estimated sex (Unknown counted as disagreeing) equals the person's majority estimate.</param>
/// <param name="Uncertain">Photos whose estimate fell in the uncertain band (<see cref="AgeGenderEstimate.UncertainBand"/>).</param>
/// <param name="PeopleAllAgreeing">People all of whose photos agree.</param>
public sealed record SexAgreementReport(int People, int Photos, int Agreeing, int Uncertain, int PeopleAllAgreeing)
{
    /// <summary>Fraction of photos agreeing with their person's majority, in [0, 1].</summary>
    public double Agreement => Photos == 0 ? 0 : Agreeing / (double)Photos;

    /// <summary>A one-line summary.</summary>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture,
        "{0} people, {1} photos: {2:0.0%} of photos agree with their person's majority sex estimate ({3} uncertain); {4} people ({5:0.0%}) fully consistent",
        People, Photos, Agreement, Uncertain, PeopleAllAgreeing, People == 0 ? 0 : PeopleAllAgreeing / (double)People);
}

/// <summary>
/// Consistency of the AgeGenderNet sex estimate across the photos of one person, on LFW (a measurement, not a test):
/// for every person folder with at least <c>minPhotos</c> photos, the first <c>maxPerPerson</c> photos (ordinal order)
/// are analysed (largest BlazeFace face, 68 landmarks, AgeGenderNet); the person's majority estimate (Male/Female,
/// Unknown excluded) is taken and each photo counted as agreeing or not (Unknown disagrees).
/// </summary>
public sealed class LfwSexAgreement(FaceOptions options)
{
    /// <summary>Runs the measurement.</summary>
    /// <param name="lfwRoot">LFW root: one folder per person of JPEGs.</param>
    /// <param name="minPhotos">Minimum photos in a person's folder (e.g. 5).</param>
    /// <param name="maxPerPerson">Photos analysed per person (≥ <paramref name="minPhotos"/>).</param>
    /// <param name="ct">Cancels between photos.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="lfwRoot"/> does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The counts are out of range.</exception>
    public SexAgreementReport Run(string lfwRoot, int minPhotos, int maxPerPerson, CancellationToken ct = default)
    {
        Check(lfwRoot, minPhotos, maxPerPerson);
        var decoder = new ImageDecoder(options);
        using var detector = new BlazeFaceDetector(options);
        using var landmarker = new FaceLandmarker(options);
        using var estimator = new AgeGenderEstimator(options);
        return Count(lfwRoot, minPhotos, maxPerPerson, f =>
        {
            var image = decoder.Decode(File.ReadAllBytes(f));
            var faces = detector.Detect(image);
            if (faces.Count == 0)
            {
                return null;
            }
            var face = faces.MaxBy(d => d.Box.Width * d.Box.Height)!;
            return estimator.Estimate(image, landmarker.Detect(image, face)).Sex;
        }, ct);
    }

    /// <summary>
    /// The same measurement on the path the gallery stores: the largest face's 112×112 thumbnail from
    /// <see cref="FacePipeline.Analyze"/>, estimated by <see cref="ChipAgeGenderEstimator"/>.
    /// </summary>
    /// <inheritdoc cref="Run" path="/param"/>
    /// <exception cref="DirectoryNotFoundException"><paramref name="lfwRoot"/> does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The counts are out of range.</exception>
    public SexAgreementReport RunFromThumbnails(string lfwRoot, int minPhotos, int maxPerPerson, CancellationToken ct = default)
    {
        Check(lfwRoot, minPhotos, maxPerPerson);
        using var pipeline = new FacePipeline(options);
        using var estimator = new ChipAgeGenderEstimator(options);
        return Count(lfwRoot, minPhotos, maxPerPerson, f =>
        {
            var faces = pipeline.Analyze(File.ReadAllBytes(f)).Faces;
            return faces.Count == 0 ? null : estimator.Estimate(faces[0].ThumbnailJpeg).Sex;
        }, ct);
    }

    private static void Check(string lfwRoot, int minPhotos, int maxPerPerson)
    {
        if (!Directory.Exists(lfwRoot))
        {
            throw new DirectoryNotFoundException($"{lfwRoot}: no such folder");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(minPhotos, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerPerson, minPhotos);
    }

    private static SexAgreementReport Count(string lfwRoot, int minPhotos, int maxPerPerson, Func<string, EstimatedSex?> estimate, CancellationToken ct)
    {
        int people = 0, photos = 0, agreeing = 0, uncertain = 0, allAgree = 0;
        foreach (var dir in Directory.GetDirectories(lfwRoot).Order(StringComparer.Ordinal))
        {
            var files = Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).ToArray();
            if (files.Length < minPhotos)
            {
                continue;
            }
            var sexes = new List<EstimatedSex>();
            foreach (var f in files.Take(maxPerPerson))
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    if (estimate(f) is { } sex)
                    {
                        sexes.Add(sex);
                    }
                }
                catch (ImageRejectedException)
                {
                    // an unreadable photo or one without a usable descriptor is left out, as a photo without a face
                }
            }
            if (sexes.Count < minPhotos)
            {
                continue;
            }
            var male = sexes.Count(s => s == EstimatedSex.Male);
            var female = sexes.Count(s => s == EstimatedSex.Female);
            var majority = male >= female ? EstimatedSex.Male : EstimatedSex.Female;
            var agree = sexes.Count(s => s == majority);
            people++;
            photos += sexes.Count;
            agreeing += agree;
            uncertain += sexes.Count(s => s == EstimatedSex.Unknown);
            allAgree += agree == sexes.Count ? 1 : 0;
        }
        return new SexAgreementReport(people, photos, agreeing, uncertain, allAgree);
    }
}
