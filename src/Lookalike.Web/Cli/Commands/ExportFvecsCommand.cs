using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lookalike.Faces;
using Lookalike.Faces.Alignment;
using Lookalike.Faces.Evaluation;
using Lookalike.Gallery;
using Lookalike.Gallery.Import;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Web.Api;
using Lookalike.Web.Gallery;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>Writes the gallery's descriptors as .fvecs.</summary>
internal static class ExportFvecsCommand
{
    /// <summary>The <c>export-fvecs</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var file = new Argument<string>("file") { Description = "Output .fvecs file (per vector: int32 dimension, then float32 values)." };
        var export = new Command("export-fvecs", "Write the gallery's descriptors as .fvecs (for the index benchmark).") { file };
        export.SetAction((r, ct) => Guard(console, () => ExportAsync(console, r.GetValue(dataOption), r.GetValue(file)!, ct)));
        return export;
    }

    internal static async Task<int> ExportAsync(IAnsiConsole console, string? data, string path, CancellationToken ct)
    {
        using var host = BuildHost(data);
        var store = host.Services.GetRequiredService<IGalleryStore>();
        var dimension = host.Services.GetRequiredService<IDescriptorModel>().Dimension;
        var (faces, vectors) = store.ReadAllEmbeddings(dimension);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var stream = File.Create(full);
        var header = BitConverter.GetBytes(dimension);
        for (var i = 0; i < faces.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            await stream.WriteAsync(header, ct).ConfigureAwait(false);
            await stream.WriteAsync(MemoryMarshal.AsBytes(vectors.AsSpan(i * dimension, dimension)).ToArray(), ct).ConfigureAwait(false);
        }
        console.MarkupLineInterpolated($"Wrote {faces.Length} descriptors of {dimension} dimensions to {full}");
        return Ok;
    }
}
