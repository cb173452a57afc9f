using System.Diagnostics;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Decoding;
using Lookalike.Faces.Detection;
using Lookalike.Faces.Embedding;
using Lookalike.Faces.Imaging;
using Lookalike.Faces.Landmarks;
using Lookalike.Faces.MobileFaceNet;

namespace Lookalike.Faces;

/// <summary>A face of an analysed photo: its detection, its descriptor and a 112×112 JPEG thumbnail of the aligned chip.</summary>
/// <param name="Detection">Box, keypoints and score in source-image pixels.</param>
/// <param name="Descriptor">float[<see cref="FacePipeline.Dimension"/>] (128 for the default dlib model, 192 for MobileFaceNet, 320 fused), compared by Euclidean distance (dlib: same person below about 0.6); dlib's has norm about 1, not normalised; MobileFaceNet's and the fused one have unit length.</param>
/// <param name="ThumbnailJpeg">JPEG bytes of the aligned chip scaled to 112×112.</param>
public sealed record AnalyzedFace(DetectedFace Detection, float[] Descriptor, byte[] ThumbnailJpeg);

/// <summary>Milliseconds (wall clock) spent in each stage of one photo.</summary>
/// <param name="DecodeMs">Decoding, orientation and alpha compositing.</param>
/// <param name="DetectMs">Letterboxing and BlazeFace.</param>
/// <param name="AlignMs">Chips and thumbnails of every face.</param>
/// <param name="EmbedMs">The descriptor network for all faces in one batch.</param>
public sealed record StageTimings(double DecodeMs, double DetectMs, double AlignMs, double EmbedMs)
{
    /// <summary>Milliseconds of the 68-point landmark network (<see cref="FaceOptions.UseLandmarks"/>), already included in <see cref="AlignMs"/>; 0 when disabled.</summary>
    public double LandmarksMs { get; init; }

    /// <summary>Sum of the stages in milliseconds.</summary>
    public double TotalMs => DecodeMs + DetectMs + AlignMs + EmbedMs;
}

/// <summary>Result of one photo: the decoded upright image and its faces, the largest first, then the others from left to right.</summary>
/// <param name="Image">The upright RGB image (box coordinates refer to it).</param>
/// <param name="Faces">Every face found; empty when none ("No face detected").</param>
/// <param name="Timings">Milliseconds per stage.</param>
public sealed record FaceAnalysis(RgbImage Image, IReadOnlyList<AnalyzedFace> Faces, StageTimings Timings);

/// <summary>Which model produced descriptors: a change of <see cref="WeightsSha256"/> means stored descriptors are stale.</summary>
/// <param name="Name">Model name, e.g. "dlib-resnet34-v1 (face-api.js 1.7.15)".</param>
/// <param name="WeightsSha256">Lower-case hex SHA-256 of the weights file.</param>
/// <param name="Dimension">Descriptor length in floats (<see cref="IFaceEmbedder.Dimension"/>: 128 for the default model).</param>
public sealed record ModelIdentity(string Name, string WeightsSha256, int Dimension);

/// <summary>
/// Decode → detect → align → embed (<see cref="ImageDecoder"/>, an <see cref="IFaceDetector"/>, <see cref="FaceAligner"/>,
/// an <see cref="IFaceEmbedder"/>; by default <see cref="BlazeFaceDetector"/> and <see cref="FaceEmbedder"/>). Thread-safe
/// singleton: create one per process and dispose it at shutdown.
/// </summary>
public sealed class FacePipeline : IDisposable
{
    private readonly ImageDecoder _decoder;
    private readonly IFaceDetector _detector;
    private readonly FaceAligner _aligner = new();
    private readonly IFaceEmbedder _embedder;
    private readonly FaceLandmarker? _landmarker;
    private readonly IReadOnlyList<JitterSample> _jitter;

    /// <summary>With <see cref="DescriptorModels.Fused"/>: the MobileFaceNet half (the dlib half is <see cref="_embedder"/>).</summary>
    private readonly MobileFaceNetEmbedder? _second;

    /// <summary>Validates the options and loads both models (about a second; the embedding model is built from the weights or read from the cache).</summary>
    /// <param name="options">Pipeline options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="FileNotFoundException">A model file is missing from <see cref="FaceOptions.ModelDirectory"/>.</exception>
    /// <exception cref="InvalidOperationException">A model's inputs or outputs are not the expected ones.</exception>
    public FacePipeline(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _decoder = new ImageDecoder(options);
        _detector = new BlazeFaceDetector(options);
        _jitter = options.Jitter >= 2 ? ChipJitter.Create(options.Jitter) : []; // as dlib: num_jitters ≤ 1 is no jitter
        try
        {
            _embedder = options.Model == DescriptorModels.MobileFaceNet ? new MobileFaceNetEmbedder(options) : new FaceEmbedder(options);
            _second = options.Model == DescriptorModels.Fused ? new MobileFaceNetEmbedder(options) : null;
            _landmarker = options.UseLandmarks ? new FaceLandmarker(options) : null;
        }
        catch
        {
            _detector.Dispose();
            _embedder?.Dispose();
            _second?.Dispose();
            throw;
        }
        Model = _second is null
            ? new ModelIdentity(_embedder.Name, _embedder.WeightsSha256, _embedder.Dimension)
            : new ModelIdentity($"fused(L2[{_embedder.Name}] ++ L2[{_second.Name}])",
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(_embedder.WeightsSha256 + _second.WeightsSha256))),
                _embedder.Dimension + _second.Dimension);
    }

    /// <summary>
    /// Composes the pipeline from a given detector and embedder (e.g. a second descriptor model); the decoder, the
    /// aligner and, with <see cref="FaceOptions.UseLandmarks"/>, the landmark network come from <paramref name="options"/>.
    /// The pipeline owns both models from here on and disposes them with itself (also when this constructor throws).
    /// </summary>
    /// <param name="options">Pipeline options (limits, alignment, jitter; the model choices in it are not used for the detector and embedder).</param>
    /// <param name="detector">The face detector.</param>
    /// <param name="embedder">The descriptor network; its <see cref="IFaceEmbedder.ChipSize"/> must be <see cref="FaceAligner.ChipSize"/> (150 pixels), the chip the aligner cuts.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The embedder's chip size is not <see cref="FaceAligner.ChipSize"/>, or its dimension is below 1.</exception>
    /// <exception cref="FileNotFoundException">The landmark model is missing from <see cref="FaceOptions.ModelDirectory"/>.</exception>
    /// <exception cref="InvalidOperationException">The landmark model's input or output is not the expected one.</exception>
    public FacePipeline(FaceOptions options, IFaceDetector detector, IFaceEmbedder embedder)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(detector);
            ArgumentNullException.ThrowIfNull(embedder);
            options.Validate();
            if (embedder.ChipSize != FaceAligner.ChipSize)
            {
                throw new ArgumentException($"The embedder takes {embedder.ChipSize}×{embedder.ChipSize} chips; the aligner cuts {FaceAligner.ChipSize}×{FaceAligner.ChipSize}.", nameof(embedder));
            }
            if (embedder.Dimension < 1)
            {
                throw new ArgumentException($"The embedder reports a descriptor dimension of {embedder.Dimension}.", nameof(embedder));
            }
            Options = options;
            _decoder = new ImageDecoder(options);
            _detector = detector;
            _embedder = embedder;
            _jitter = options.Jitter >= 2 ? ChipJitter.Create(options.Jitter) : [];
            _landmarker = options.UseLandmarks ? new FaceLandmarker(options) : null;
        }
        catch
        {
            detector?.Dispose();
            embedder?.Dispose();
            throw;
        }
        Model = new ModelIdentity(embedder.Name, embedder.WeightsSha256, embedder.Dimension);
    }

    /// <summary>The options the pipeline was built with (do not change them afterwards).</summary>
    public FaceOptions Options { get; }

    /// <summary>The descriptor model's identity (name, weights SHA-256 and dimension of the embedder).</summary>
    public ModelIdentity Model { get; }

    /// <summary>Length of every descriptor this pipeline produces, in floats: 128 (dlib, the default), 192 (mobilefacenet) or 320 (fused); <see cref="ModelIdentity.Dimension"/> of <see cref="Model"/>.</summary>
    public int Dimension => Model.Dimension;

    /// <summary>The detector in use.</summary>
    public IFaceDetector Detector => _detector;

    /// <summary>The descriptor network in use (with <see cref="DescriptorModels.Fused"/>: the dlib half; the MobileFaceNet half is <see cref="SecondEmbedder"/>).</summary>
    public IFaceEmbedder Embedder => _embedder;

    /// <summary>With <see cref="DescriptorModels.Fused"/>: the MobileFaceNet network whose descriptor is appended to <see cref="Embedder"/>'s (see <see cref="Fuse"/>); null otherwise.</summary>
    public IFaceEmbedder? SecondEmbedder => _second;

    /// <summary>Analyses one photo: every face with its descriptor and thumbnail.</summary>
    /// <param name="file">The complete file bytes (format sniffed from the content).</param>
    /// <returns>The upright image, its faces (largest first, then left to right; empty when none) and stage timings in ms.</returns>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image (see <see cref="ImageRejectReason"/>).</exception>
    /// <exception cref="ImageRejectedException">Also <see cref="ImageRejectReason.NoDescriptor"/>: faces were found but none
    /// gave a usable descriptor (<see cref="DescriptorCheck"/>). A face whose descriptor is degenerate is left out of the
    /// result while others of the photo are usable.</exception>
    public FaceAnalysis Analyze(ReadOnlySpan<byte> file)
    {
        var t0 = Stopwatch.GetTimestamp();
        // The image's pixels stay held from the decode budget until its faces are described: parallel near-limit
        // photos queue instead of each holding a full-size image at once.
        var image = _decoder.DecodeHolding(file, out var lease);
        using var held = lease;
        var t1 = Stopwatch.GetTimestamp();
        var faces = _detector.Detect(image);
        var t2 = Stopwatch.GetTimestamp();
        var pairs = new (RgbImage, DetectedFace)[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            pairs[i] = (image, faces[i]);
        }
        long landmarkTicks = 0, alignTicks = 0, embedTicks = 0;
        var described = Describe(pairs, ref landmarkTicks, ref alignTicks, ref embedTicks);
        var result = described.Where(f => DescriptorCheck.IsUsable(f.Descriptor)).ToArray();
        if (result.Length == 0 && described.Length > 0)
        {
            throw new ImageRejectedException(ImageRejectReason.NoDescriptor,
                "could not compute a face descriptor: " + DescriptorCheck.Problem(described[0].Descriptor));
        }
        var timings = new StageTimings(Ms(t0, t1), Ms(t1, t2), Ms(0, alignTicks), Ms(0, embedTicks)) { LandmarksMs = Ms(0, landmarkTicks) };
        return new FaceAnalysis(image, result, timings);
    }

    /// <summary>Decodes and detects only (the import's parallel stage); embed later with <see cref="EmbedFaces"/>.</summary>
    /// <param name="file">The complete file bytes.</param>
    /// <returns>The upright image and its faces (largest first, then left to right).</returns>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image.</exception>
    public (RgbImage Image, IReadOnlyList<DetectedFace> Faces) DecodeAndDetect(ReadOnlySpan<byte> file)
    {
        var image = _decoder.Decode(file);
        return (image, _detector.Detect(image));
    }

    /// <summary>Aligns and embeds a batch of faces in one network run (batch 16 or so is the efficient size for imports).</summary>
    /// <param name="faces">Pairs of a photo and one of its detections.</param>
    /// <returns>One <see cref="AnalyzedFace"/> per input, in input order, each with a float[<see cref="Dimension"/>] descriptor and a 112×112 JPEG thumbnail.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="faces"/> is null.</exception>
    /// <remarks>Descriptors are returned unscreened: check each with <see cref="DescriptorCheck"/> before storing it.</remarks>
    public IReadOnlyList<AnalyzedFace> EmbedFaces(IReadOnlyList<(RgbImage Image, DetectedFace Face)> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        long landmarkTicks = 0, alignTicks = 0, embedTicks = 0;
        return Describe(faces, ref landmarkTicks, ref alignTicks, ref embedTicks);
    }

    /// <summary>
    /// Aligns and embeds faces: all chips in one batch without jitter; with jitter one face at a time, so that at most
    /// <see cref="FaceOptions.Jitter"/> chips (67.5 KB each) are held at once. Align ticks include the landmarks.
    /// </summary>
    private AnalyzedFace[] Describe(IReadOnlyList<(RgbImage Image, DetectedFace Face)> faces, ref long landmarkTicks, ref long alignTicks, ref long embedTicks)
    {
        var dim = Dimension;
        var result = new AnalyzedFace[faces.Count];
        var thumbs = new byte[faces.Count][];
        var chips = new List<byte[]>(_jitter.Count == 0 ? faces.Count : _jitter.Count);
        var arcChips = _second is null ? null : new List<byte[]>(faces.Count);
        float[] descriptors;
        if (_jitter.Count == 0)
        {
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < faces.Count; i++)
            {
                thumbs[i] = Thumbnail(Chips(faces[i].Image, faces[i].Face, chips, ref landmarkTicks, arcChips));
            }
            var t1 = Stopwatch.GetTimestamp();
            descriptors = _embedder.Embed(chips);
            if (_second is not null)
            {
                descriptors = Fuse(descriptors, _embedder.Dimension, _second.Embed(arcChips!), _second.Dimension);
            }
            alignTicks += t1 - t0;
            embedTicks += Stopwatch.GetTimestamp() - t1;
        }
        else
        {
            descriptors = new float[faces.Count * dim];
            for (var i = 0; i < faces.Count; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                chips.Clear();
                thumbs[i] = Thumbnail(Chips(faces[i].Image, faces[i].Face, chips, ref landmarkTicks));
                var t1 = Stopwatch.GetTimestamp();
                _embedder.EmbedMean(chips, _jitter.Count).CopyTo(descriptors.AsSpan(i * dim));
                alignTicks += t1 - t0;
                embedTicks += Stopwatch.GetTimestamp() - t1;
            }
        }
        for (var i = 0; i < faces.Count; i++)
        {
            result[i] = new AnalyzedFace(faces[i].Face, descriptors.AsSpan(i * dim, dim).ToArray(), thumbs[i]);
        }
        return result;
    }

    /// <summary>
    /// The number of jittered chips averaged into each descriptor: <see cref="FaceOptions.Jitter"/> when it is 2 or more,
    /// 0 when jitter is off (as with dlib's <c>num_jitters</c> ≤ 1). With jitter on, a face's descriptor is
    /// <c>Embedder.EmbedMean(chips, JitterCount)</c> of the chips <see cref="Chip"/> adds.
    /// </summary>
    public int JitterCount => _jitter.Count;

    /// <summary>The aligner that cuts the chips (its template and chip size are those of <see cref="Analyze"/>).</summary>
    public FaceAligner Aligner => _aligner;

    /// <summary>
    /// The chip of one face exactly as <see cref="Analyze"/> cuts it (landmark or keypoint alignment per
    /// <see cref="FaceOptions.UseLandmarks"/>), for evaluation and inspection.
    /// </summary>
    /// <param name="image">The upright photo the face was detected in.</param>
    /// <param name="face">One of its detections.</param>
    /// <param name="networkInputs">
    /// When given, receives the chips the descriptor is computed from: the plain chip without jitter (the embedder adds
    /// its mirror when <see cref="FaceOptions.FlipAverage"/> is set), or the <see cref="JitterCount"/> jittered chips.
    /// </param>
    /// <returns>The plain chip: row-major [150, 150, 3] RGB bytes (<see cref="FaceAligner.ChipSize"/>), or with <see cref="DescriptorModels.MobileFaceNet"/> the [112, 112, 3] ArcFace chip.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="face"/> is null.</exception>
    public byte[] Chip(RgbImage image, DetectedFace face, ICollection<byte[]>? networkInputs = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(face);
        long ticks = 0;
        return Chips(image, face, networkInputs, ref ticks);
    }

    /// <summary>The 68 landmarks of a face as the pipeline computes them for alignment.</summary>
    /// <param name="image">The upright photo.</param>
    /// <param name="face">One of its detections.</param>
    /// <returns>68 points in source pixels, iBUG 300-W numbering (see <see cref="FaceLandmarker"/>).</returns>
    /// <exception cref="InvalidOperationException"><see cref="FaceOptions.UseLandmarks"/> is off (the pipeline has no landmark network).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="face"/> is null.</exception>
    public IReadOnlyList<Point2> Landmarks(RgbImage image, DetectedFace face) =>
        (_landmarker ?? throw new InvalidOperationException("UseLandmarks is off.")).Detect(image, face);

    /// <summary>
    /// The plain chip of a face (returned: thumbnails, evaluation) and the chips its descriptor is computed from (added
    /// to <paramref name="network"/>: the plain chip, or the <see cref="FaceOptions.Jitter"/> jittered chips).
    /// </summary>
    private byte[] Chips(RgbImage image, DetectedFace face, ICollection<byte[]>? network, ref long landmarkTicks, ICollection<byte[]>? arcFace = null)
    {
        if (_landmarker is null)
        {
            var plain = _aligner.Align(image, face);
            AddNetworkInputs(network, plain, () => _aligner.AlignJittered(image, face, _jitter));
            return plain;
        }
        var t = Stopwatch.GetTimestamp();
        var landmarks = _landmarker.Detect(image, face);
        landmarkTicks += Stopwatch.GetTimestamp() - t;
        arcFace?.Add(_aligner.AlignArcFace(image, landmarks));
        var chip = _embedder.ChipSize == FaceAligner.ArcFaceChipSize ? _aligner.AlignArcFace(image, landmarks) : _aligner.AlignDlib(image, landmarks);
        AddNetworkInputs(network, chip, () => _aligner.AlignDlibJittered(image, landmarks, _jitter));
        return chip;
    }

    /// <summary>The 112×112 JPEG thumbnail of a chip: the dlib 150×150 chip scaled down, or the 112×112 ArcFace chip as it is.</summary>
    private static byte[] Thumbnail(byte[] chip) =>
        chip.Length == FaceAligner.ArcFaceChipSize * FaceAligner.ArcFaceChipSize * 3
            ? JpegEncoder.Encode(chip, FaceAligner.ArcFaceChipSize, FaceAligner.ArcFaceChipSize, 85)
            : FaceAligner.Thumbnail(chip);

    /// <summary>
    /// The fused descriptor (<see cref="DescriptorModels.Fused"/>): per face, the L2-normalised first descriptor
    /// followed by the L2-normalised second, the whole re-normalised to unit length (so each half weighs 1/√2). A
    /// half whose norm is zero or not finite is left as it is (and <see cref="DescriptorCheck"/> screens the result).
    /// </summary>
    /// <param name="a">Row-major [n, <paramref name="da"/>] descriptors (e.g. dlib's, 128-D).</param>
    /// <param name="da">Length of one descriptor of <paramref name="a"/>, ≥ 1.</param>
    /// <param name="b">Row-major [n, <paramref name="db"/>] descriptors of the same n faces (e.g. MobileFaceNet's, 192-D).</param>
    /// <param name="db">Length of one descriptor of <paramref name="b"/>, ≥ 1.</param>
    /// <returns>Row-major [n, da + db], each row of unit length.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> or <paramref name="b"/> is null.</exception>
    /// <exception cref="ArgumentException">The arrays do not hold the same number of whole descriptors.</exception>
    public static float[] Fuse(float[] a, int da, float[] b, int db)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(da, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(db, 1);
        if (a.Length % da != 0 || b.Length % db != 0 || a.Length / da != b.Length / db)
        {
            throw new ArgumentException($"{a.Length} floats of {da}-D and {b.Length} floats of {db}-D are not the same number of descriptors.", nameof(b));
        }
        var n = a.Length / da;
        var result = new float[n * (da + db)];
        for (var i = 0; i < n; i++)
        {
            var row = result.AsSpan(i * (da + db), da + db);
            a.AsSpan(i * da, da).CopyTo(row);
            b.AsSpan(i * db, db).CopyTo(row[da..]);
            ChipEmbedderModel.Normalize(row[..da]);
            ChipEmbedderModel.Normalize(row[da..]);
            ChipEmbedderModel.Normalize(row);
        }
        return result;
    }

    private void AddNetworkInputs(ICollection<byte[]>? network, byte[] plain, Func<IReadOnlyList<byte[]>> jittered)
    {
        if (network is null)
        {
            return;
        }
        if (_jitter.Count == 0)
        {
            network.Add(plain);
        }
        else
        {
            foreach (var chip in jittered())
            {
                network.Add(chip);
            }
        }
    }

    /// <summary>Encodes an image (e.g. the upright photo) as JPEG, for display.</summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="quality">JPEG quality, 1–100 (default 85).</param>
    /// <returns>The JPEG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quality"/> is outside 1–100.</exception>
    public static byte[] EncodeJpeg(RgbImage image, int quality = 85)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return JpegEncoder.Encode(image.Pixels, image.Width, image.Height, quality);
    }

    /// <summary>Releases the models' ONNX Runtime sessions (detector, embedder, landmarks).</summary>
    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
        _second?.Dispose();
        _landmarker?.Dispose();
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
