using System.Globalization;
using Lookalike.Gallery.Matching;
using SkiaSharp;

namespace Lookalike.Web.Services;

/// <summary>
/// The "result card to keep": a 1200×630 PNG (the usual link-preview size) with your aligned face chip beside the
/// person's closest gallery face, both names, and the rating in words. Drawn on the server with SkiaSharp from bytes
/// already in memory (your chip from the circuit, their 112×112 thumbnail from the store); nothing is written anywhere.
/// Text uses DejaVu Sans (Debian's fonts-dejavu-core) when present, else SkiaSharp's default typeface.
/// </summary>
public static class ResultCard
{
    /// <summary>Card width in pixels.</summary>
    public const int Width = 1200;

    /// <summary>Card height in pixels.</summary>
    public const int Height = 630;

    private const int Face = 360;

    private static readonly Lazy<SKTypeface> Typeface = new(() =>
    {
        foreach (var path in new[] { "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf" })
        {
            if (File.Exists(path) && SKTypeface.FromFile(path) is { } face)
            {
                return face;
            }
        }
        return SKTypeface.Default;
    });

    /// <summary>Renders the card.</summary>
    /// <param name="probeChip">Your aligned face chip, JPEG bytes (112×112).</param>
    /// <param name="theirFace">Their closest face's thumbnail, JPEG bytes (112×112).</param>
    /// <param name="match">The person (rank 1) and their rating.</param>
    /// <returns>PNG bytes, 1200×630.</returns>
    /// <exception cref="ArgumentException">A face image cannot be decoded.</exception>
    public static byte[] RenderPng(byte[] probeChip, byte[] theirFace, PersonMatch match)
    {
        ArgumentNullException.ThrowIfNull(probeChip);
        ArgumentNullException.ThrowIfNull(theirFace);
        ArgumentNullException.ThrowIfNull(match);
        using var you = SKBitmap.Decode(probeChip) ?? throw new ArgumentException("your face chip is not a decodable image", nameof(probeChip));
        using var them = SKBitmap.Decode(theirFace) ?? throw new ArgumentException("the gallery face is not a decodable image", nameof(theirFace));
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(0xF4, 0xF2, 0xFF));
        using var band = new SKPaint { Color = new SKColor(0x59, 0x4A, 0xE2) };
        canvas.DrawRect(0, 0, Width, 70, band);

        using var title = Font(30);
        using var big = Font(44);
        using var name = Font(28);
        using var small = Font(24);
        using var white = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var ink = new SKPaint { Color = new SKColor(0x22, 0x22, 0x2E), IsAntialias = true };
        using var grey = new SKPaint { Color = new SKColor(0x55, 0x55, 0x66), IsAntialias = true };

        canvas.DrawText("Lookalike", 40, 47, SKTextAlign.Left, title, white);
        canvas.DrawText(Fit($"You look most like {match.Person}", big, Width - 80), Width / 2f, 140, SKTextAlign.Center, big, ink);

        var top = 175;
        var leftX = Width / 2 - Face - 30;
        var rightX = Width / 2 + 30;
        using var sampling = new SKPaint { IsAntialias = true };
        using (var image = SKImage.FromBitmap(you))
        {
            canvas.DrawImage(image, new SKRect(leftX, top, leftX + Face, top + Face), new SKSamplingOptions(SKCubicResampler.Mitchell), sampling);
        }
        using (var image = SKImage.FromBitmap(them))
        {
            canvas.DrawImage(image, new SKRect(rightX, top, rightX + Face, top + Face), new SKSamplingOptions(SKCubicResampler.Mitchell), sampling);
        }
        canvas.DrawText("You", leftX + Face / 2f, top + Face + 36, SKTextAlign.Center, name, ink);
        canvas.DrawText(Fit(match.Person, name, Face + 40), rightX + Face / 2f, top + Face + 36, SKTextAlign.Center, name, ink);

        var rating = Components.Shared.MatchGallery.ShortSimilarity(match.StrangerPercentile);
        var line = $"{rating} · cosine distance {match.BestDistance.ToString("0.000", CultureInfo.InvariantCulture)} · photo not stored";
        canvas.DrawText(Fit(line, small, Width - 80), Width / 2f, Height - 22, SKTextAlign.Center, small, grey);

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static SKFont Font(float size) => new(Typeface.Value, size) { Edging = SKFontEdging.Antialias };

    /// <summary>Shortens <paramref name="text"/> with an ellipsis until it fits <paramref name="width"/> pixels.</summary>
    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }
        var cut = text;
        while (cut.Length > 1 && font.MeasureText(cut + "…") > width)
        {
            cut = cut[..^1];
        }
        return cut + "…";
    }
}
