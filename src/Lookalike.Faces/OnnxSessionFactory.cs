using Microsoft.ML.OnnxRuntime;

namespace Lookalike.Faces;

/// <summary>Creates the ONNX Runtime sessions of the pipeline with one set of options (threads, graph optimisations, CUDA).</summary>
internal static class OnnxSessionFactory
{
    public static InferenceSession Create(byte[] model, FaceOptions options)
    {
        using var so = CreateOptions(options);
        return new InferenceSession(model, so);
    }

    public static InferenceSession Create(string path, FaceOptions options)
    {
        using var so = CreateOptions(options);
        return new InferenceSession(path, so);
    }

    private static SessionOptions CreateOptions(FaceOptions options)
    {
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
