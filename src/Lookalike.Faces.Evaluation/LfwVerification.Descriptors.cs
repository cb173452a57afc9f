using System.Diagnostics;
using System.Globalization;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Embedding;

namespace Lookalike.Faces.Evaluation;

/// <summary>Which detected face of a photo is described when it has several.</summary>
public enum FaceChoice
{
    /// <summary>The face whose box centre is nearest the image centre (LFW: the named person is centred).</summary>
    Central,

    /// <summary>The largest face (in-the-wild photos such as CelebA's, where the labelled person is usually the main face).</summary>
    Largest,
}

/// <summary>Flip-averaged descriptors of a list of images, as <see cref="LfwVerification.RunModels"/> computes them.</summary>
/// <param name="Dlib">Row-major float[images, <paramref name="DlibDimension"/>] (empty when dlib was not run).</param>
/// <param name="DlibDimension">128, or 0 when not run.</param>
/// <param name="MobileFaceNet">Row-major float[images, <paramref name="MobileFaceNetDimension"/>] (empty when not run).</param>
/// <param name="MobileFaceNetDimension">192, or 0 when not run.</param>
/// <param name="SharedTicks">Stopwatch ticks of decode, detection and landmarks.</param>
/// <param name="DlibTicks">Stopwatch ticks of the dlib chips and network.</param>
/// <param name="MobileFaceNetTicks">Stopwatch ticks of the ArcFace chips and MobileFaceNet.</param>
/// <param name="NoFace">Images without a face (centred chips used).</param>
/// <param name="MultiFace">Images with several faces.</param>
internal sealed record EmbeddedImages(float[] Dlib, int DlibDimension, float[] MobileFaceNet, int MobileFaceNetDimension,
    long SharedTicks, long DlibTicks, long MobileFaceNetTicks, int NoFace, int MultiFace);

public sealed partial class LfwVerification
{
    /// <summary>
    /// Writes the flip-averaged dlib and MobileFaceNet descriptors of a folder of identity-labelled photos (e.g. the
    /// CelebA sample: <c>img_celeba/NNNNNN.jpg</c> with <c>identity_CelebA_subset.txt</c>) to a descriptor cache
    /// (<see cref="DescriptorCache"/>), computed exactly as <see cref="RunModels"/> computes LFW's: same chips, same
    /// networks, same flip averaging; the largest face of each photo (<see cref="FaceChoice.Largest"/>), the centred
    /// chip when none is found.
    /// </summary>
    /// <param name="imageDirectory">Folder of the images named in <paramref name="identitiesFile"/>.</param>
    /// <param name="identitiesFile">Lines <c>file identity</c> (space or tab separated).</param>
    /// <param name="personPrefix">Prepended to each identity to make the cache's person name (e.g. <c>celeba_</c>, so it never equals an LFW name).</param>
    /// <param name="mobileFaceNet">The MobileFaceNet embedder (112-pixel chips).</param>
    /// <param name="descriptorsFile">The cache file to write.</param>
    /// <param name="progress">Receives (images done, images total) every 100 images.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <returns>Number of images written and how many had no face.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="FileNotFoundException">The identities file or an image is missing.</exception>
    /// <exception cref="InvalidDataException">A line of the identities file does not have two fields.</exception>
    public (int Images, int NoFace) DescribeIdentities(string imageDirectory, string identitiesFile, string personPrefix, IFaceEmbedder mobileFaceNet, string descriptorsFile,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageDirectory);
        ArgumentNullException.ThrowIfNull(identitiesFile);
        ArgumentNullException.ThrowIfNull(personPrefix);
        ArgumentNullException.ThrowIfNull(mobileFaceNet);
        ArgumentNullException.ThrowIfNull(descriptorsFile);
        if (!File.Exists(identitiesFile))
        {
            throw new FileNotFoundException("Identities file not found.", identitiesFile);
        }
        var keys = new List<string>();
        var persons = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(identitiesFile))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 2)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{identitiesFile}:{lineNumber}: expected 'file identity'."));
            }
            keys.Add(f[0]);
            persons.Add(personPrefix + f[1]);
        }
        var set = EmbedImages(keys.Select(k => Path.Combine(imageDirectory, k)).ToList(), true, mobileFaceNet, FaceChoice.Largest, progress, cancellationToken);
        DescriptorCache.Write(descriptorsFile, keys, persons, set.Dlib, set.DlibDimension, set.MobileFaceNet, set.MobileFaceNetDimension);
        return (keys.Count, set.NoFace);
    }

    /// <summary>
    /// The flip-averaged descriptors of <paramref name="paths"/>: decode, detect, the 68 landmarks of the chosen face, then the
    /// dlib 150×150 chip and/or the 112×112 ArcFace chip and their mirrors, embedded in batches of 16 (EmbedMean over
    /// chip and mirror: dlib's plain mean, MobileFaceNet's re-normalised mean, what the pipeline gives with FlipAverage).
    /// </summary>
    private EmbeddedImages EmbedImages(IReadOnlyList<string> paths, bool needDlib, IFaceEmbedder? mobileFaceNet, FaceChoice choice,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var needMfn = mobileFaceNet is not null;
        var dlib = _pipeline.Embedder;
        if (needDlib && dlib.ChipSize != FaceAligner.ChipSize)
        {
            throw new ArgumentException($"The pipeline's embedder takes {dlib.ChipSize}-pixel chips; the dlib descriptors need the {FaceAligner.ChipSize}-pixel dlib network (run with Lookalike:Faces:Model = dlib).", nameof(needDlib));
        }
        if (!_pipeline.Options.UseLandmarks)
        {
            throw new InvalidOperationException("The model descriptors need UseLandmarks (the chips are cut from the 68 landmarks).");
        }
        var dd = needDlib ? dlib.Dimension : 0;
        var dm = needMfn ? mobileFaceNet!.Dimension : 0;
        var dlibDescriptors = new float[paths.Count * dd];
        var mfnDescriptors = new float[paths.Count * dm];
        long sharedTicks = 0, dlibTicks = 0, mfnTicks = 0;
        int noFace = 0, multiFace = 0;
        var dlibChips = new List<byte[]>(Batch * 2);
        var arcChips = new List<byte[]>(Batch * 2);
        var start = 0;
        var pending = 0;
        for (var i = 0; i < paths.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t0 = Stopwatch.GetTimestamp();
            if (!File.Exists(paths[i]))
            {
                throw new FileNotFoundException("Image not found.", paths[i]);
            }
            var (image, faces) = _pipeline.DecodeAndDetect(File.ReadAllBytes(paths[i]));
            IReadOnlyList<Point2>? landmarks = null;
            if (faces.Count > 0)
            {
                multiFace += faces.Count > 1 ? 1 : 0;
                var centre = new Point2(image.Width / 2f, image.Height / 2f);
                var face = choice == FaceChoice.Largest
                    ? faces.MaxBy(f => f.Box.Width * f.Box.Height)!
                    : faces.MinBy(f => Square(f.Box.Centre.X - centre.X) + Square(f.Box.Centre.Y - centre.Y))!;
                landmarks = _pipeline.Landmarks(image, face);
            }
            else
            {
                noFace++;
            }
            var t1 = Stopwatch.GetTimestamp();
            sharedTicks += t1 - t0;
            if (needDlib)
            {
                var chip = landmarks is null ? _pipeline.Aligner.AlignCentred(image) : _pipeline.Aligner.AlignDlib(image, landmarks);
                dlibChips.Add(chip);
                dlibChips.Add(FaceAligner.Mirror(chip));
            }
            var t2 = Stopwatch.GetTimestamp();
            dlibTicks += t2 - t1;
            if (needMfn)
            {
                var chip = landmarks is null ? _pipeline.Aligner.AlignCentred(image, FaceAligner.ArcFaceChipSize) : _pipeline.Aligner.AlignArcFace(image, landmarks);
                arcChips.Add(chip);
                arcChips.Add(FaceAligner.Mirror(chip, FaceAligner.ArcFaceChipSize));
            }
            mfnTicks += Stopwatch.GetTimestamp() - t2;
            pending++;
            if (pending == Batch || i == paths.Count - 1)
            {
                var t3 = Stopwatch.GetTimestamp();
                if (needDlib)
                {
                    dlib.EmbedMean(dlibChips, 2).CopyTo(dlibDescriptors.AsSpan(start * dd));
                }
                var t4 = Stopwatch.GetTimestamp();
                if (needMfn)
                {
                    mobileFaceNet!.EmbedMean(arcChips, 2).CopyTo(mfnDescriptors.AsSpan(start * dm));
                }
                var t5 = Stopwatch.GetTimestamp();
                dlibTicks += t4 - t3;
                mfnTicks += t5 - t4;
                dlibChips.Clear();
                arcChips.Clear();
                start += pending;
                pending = 0;
            }
            if ((i + 1) % 100 == 0 || i == paths.Count - 1)
            {
                progress?.Report((i + 1, paths.Count));
            }
        }
        return new EmbeddedImages(dlibDescriptors, dd, mfnDescriptors, dm, sharedTicks, dlibTicks, mfnTicks, noFace, multiFace);
    }
}
