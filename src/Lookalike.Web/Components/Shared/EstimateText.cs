using System.Globalization;
using Lookalike.Faces.AgeGender;

namespace Lookalike.Web.Components.Shared;

/// <summary>The words for an age/sex estimate on the page ("woman, ~34"): one home, used by the cards and the probe.</summary>
public static class EstimateText
{
    /// <summary>"woman, ~34", "man, ~52", "sex unclear, ~40"; empty for no estimate. The age is rounded to whole years
    /// and left out when it is not finite.</summary>
    public static string Describe(AgeGenderEstimate? estimate)
    {
        if (estimate is not { } e)
        {
            return "";
        }
        var sex = e.Sex switch
        {
            EstimatedSex.Female => "woman",
            EstimatedSex.Male => "man",
            _ => "sex unclear",
        };
        return float.IsFinite(e.AgeYears) ? string.Create(CultureInfo.InvariantCulture, $"{sex}, ~{MathF.Round(e.AgeYears):0}") : sex;
    }
}
