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

/// <summary>Prints every face of a photo and its nearest gallery faces.</summary>
internal static class QueryCommand
{
    /// <summary>The <c>query</c> verb.</summary>
    public static Command Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var image = new Argument<string>("image") { Description = "A photo." };
        var k = new Option<int>("--k") { Description = $"Number of neighbours per face (1–{GalleryLimits.MaxK}).", DefaultValueFactory = _ => 10 };
        var query = new Command("query", "Print each face of a photo and its nearest gallery faces with distances.") { image, k };
        query.SetAction((r, ct) => Guard(console, () => QueryAsync(console, r.GetValue(dataOption), r.GetValue(image)!, r.GetValue(k), ct)));
        return query;
    }

    internal static async Task<int> QueryAsync(IAnsiConsole console, string? data, string imagePath, int k, CancellationToken ct)
    {
        if (Directory.Exists(imagePath))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: is a folder, not an image file");
            return BadInput;
        }
        if (!File.Exists(imagePath))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: no such file");
            return BadInput;
        }
        if (k is < 1 or > GalleryLimits.MaxK)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --k must be between 1 and {GalleryLimits.MaxK}, got {k}");
            return BadInput;
        }
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var gallery = host.Services.GetRequiredService<LiveGallery>();
        await gallery.EnsureReadyAsync(ct).ConfigureAwait(false);
        if (gallery.Status.StaleModelMessage is { } stale)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {stale}");
            return BadInput;
        }
        var matcher = host.Services.GetRequiredService<MatchService>();
        FaceAnalysis analysis;
        try
        {
            analysis = matcher.Analyze(await File.ReadAllBytesAsync(imagePath, ct).ConfigureAwait(false));
        }
        catch (ImageRejectedException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {imagePath}: {ex.Message}");
            return BadInput;
        }
        if (analysis.Faces.Count == 0)
        {
            console.MarkupLineInterpolated($"{imagePath}: No face detected");
            return Ok;
        }
        for (var i = 0; i < analysis.Faces.Count; i++)
        {
            var face = analysis.Faces[i];
            var b = face.Detection.Box;
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]Face {i + 1}[/] box x={b.X:0} y={b.Y:0} w={b.Width:0} h={b.Height:0} score={face.Detection.Score:0.00}");
            var outcome = matcher.Search(face.Descriptor, k);
            if (outcome.GalleryCount == 0)
            {
                console.MarkupLine("  The celebrity gallery is empty — import a gallery first");
                continue;
            }
            var table = new Table().AddColumns("#", "person", "distance", "closer than … of strangers' best matches", "face id");
            var rank = 1;
            foreach (var m in outcome.Matches)
            {
                table.AddRow(
                    (rank++).ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Person), m.Distance.ToString("0.0000", CultureInfo.InvariantCulture),
                    m.StrangerPercentile is { } p ? p.ToString("P0", CultureInfo.InvariantCulture) : "–", m.FaceId.ToString(CultureInfo.InvariantCulture));
            }
            console.Write(table);
        }
        return Ok;
    }
}
