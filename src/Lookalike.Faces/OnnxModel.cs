using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces;

/// <summary>
/// Base of the pipeline's ONNX Runtime models (<see cref="Detection.BlazeFaceDetector"/>,
/// <see cref="Landmarks.FaceLandmarker"/>, <see cref="Embedding.FaceEmbedder"/>): one <see cref="InferenceSession"/> per
/// model, created with the pipeline's session options (threads, graph optimisations, CUDA), its input and output names
/// and shapes checked once at construction, released by <see cref="Dispose()"/>.
/// </summary>
/// <remarks>
/// Thread-safe: the session is run concurrently. Only this assembly derives from it (the constructors are not
/// accessible outside), so the ONNX Runtime types stay off the public surface.
/// </remarks>
public abstract class OnnxModel : IDisposable
{
    private bool _disposed;

    /// <summary>Creates the session from a model file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Threads and CUDA.</param>
    private protected OnnxModel(string path, FaceOptions options)
    {
        using var so = CreateOptions(options);
        Session = new InferenceSession(path, so);
    }

    /// <summary>Creates the session from the bytes of a model built in memory.</summary>
    /// <param name="model">The serialised ONNX model.</param>
    /// <param name="options">Threads and CUDA.</param>
    private protected OnnxModel(byte[] model, FaceOptions options)
    {
        using var so = CreateOptions(options);
        Session = new InferenceSession(model, so);
    }

    /// <summary>The model's session.</summary>
    private protected InferenceSession Session { get; }

    /// <summary>The run options of every <see cref="Run"/>.</summary>
    private protected RunOptions RunOptions { get; } = new();

    /// <summary>Runs the model on one input tensor.</summary>
    /// <param name="inputName">The input's name.</param>
    /// <param name="input">The input tensor.</param>
    /// <param name="outputNames">The outputs to fetch, in the order returned.</param>
    /// <returns>The outputs, to be disposed by the caller.</returns>
    private protected IDisposableReadOnlyCollection<OrtValue> Run(string inputName, OrtValue input, IReadOnlyCollection<string> outputNames) =>
        Session.Run(RunOptions, [inputName], [input], outputNames);

    /// <summary>
    /// Checks that the model has the input <paramref name="name"/> of shape <paramref name="shape"/> (−1: any size, e.g.
    /// the batch) and, when <paramref name="only"/>, no other input; disposes the model and throws otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">The input is missing or has another shape; the message is <paramref name="message"/>.</exception>
    private protected void RequireInput(string name, ReadOnlySpan<int> shape, string message, bool only = false)
    {
        if ((only && Session.InputMetadata.Count != 1)
            || !Session.InputMetadata.TryGetValue(name, out var input) || !Matches(input.Dimensions, shape))
        {
            Fail(message);
        }
    }

    /// <summary>Checks that the model has the output <paramref name="name"/> of shape <paramref name="shape"/> (−1: any size); disposes the model and throws otherwise.</summary>
    /// <exception cref="InvalidOperationException">The output is missing or has another shape; the message is <paramref name="message"/>.</exception>
    private protected void RequireOutput(string name, ReadOnlySpan<int> shape, string message)
    {
        if (!Session.OutputMetadata.TryGetValue(name, out var output) || !Matches(output.Dimensions, shape))
        {
            Fail(message);
        }
    }

    /// <summary>The name of the first output of shape <paramref name="shape"/> (−1: any size), or null (for models whose output names are not stable).</summary>
    private protected string? OutputOfShape(ReadOnlySpan<int> shape)
    {
        foreach (var (name, meta) in Session.OutputMetadata)
        {
            if (Matches(meta.Dimensions, shape))
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>Disposes the model and throws <see cref="InvalidOperationException"/> with <paramref name="message"/> (a constructor's check failed).</summary>
    [DoesNotReturn]
    private protected void Fail(string message)
    {
        Dispose();
        throw new InvalidOperationException(message);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the session and run options when <paramref name="disposing"/>.</summary>
    /// <param name="disposing">true from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        Session.Dispose();
        RunOptions.Dispose();
    }

    private static bool Matches(int[] dimensions, ReadOnlySpan<int> shape)
    {
        if (dimensions.Length != shape.Length)
        {
            return false;
        }
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] >= 0 && dimensions[i] != shape[i])
            {
                return false;
            }
        }
        return true;
    }

    private static SessionOptions CreateOptions(FaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Worker threads sleep instead of spinning between runs: the app shares its cores with the web server (and CI
        // machines with other jobs), where spinning threads steal the time the next inference needs.
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (options.UseCuda)
        {
            try
            {
                so.AppendExecutionProvider_CUDA(0);
            }
            catch (OnnxRuntimeException)
            {
                // The CPU build of ONNX Runtime has no CUDA provider: stay on the CPU provider.
            }
            catch (EntryPointNotFoundException)
            {
                // Same, on builds that lack the entry point altogether.
            }
        }
        return so;
    }
}
