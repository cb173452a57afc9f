using System.Globalization;
using System.Text;
using Lookalike.Faces;

namespace Lookalike.Gallery;

/// <summary>The stored text form of a face's keypoints, shared by the store adapters: "x,y x,y …" with two decimals, invariant culture.</summary>
internal static class KeypointText
{
    /// <summary>"40,60 80,60" for two points.</summary>
    public static string Format(IReadOnlyList<Point2> points)
    {
        var builder = new StringBuilder();
        foreach (var p in points)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }
            builder.Append(p.X.ToString("0.##", CultureInfo.InvariantCulture)).Append(',').Append(p.Y.ToString("0.##", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
