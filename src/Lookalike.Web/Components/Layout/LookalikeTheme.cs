using MudBlazor;

namespace Lookalike.Web.Components.Layout;

/// <summary>
/// MudBlazor's default theme with the colours that failed axe-core's WCAG AA contrast checks changed
/// (AccessibilityTests): a darker info blue in light mode (alert text on its pale background), and in dark mode a
/// lighter primary with dark text on it and a lighter secondary text (both on the dark surface).
/// </summary>
public static class LookalikeTheme
{
    /// <summary>The app's theme.</summary>
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Info = "#0a66b5",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#aba2ff",
            PrimaryContrastText = "#15121f",
            TextSecondary = "#c2c2c8",
            Info = "#64b5f6",
        },
    };
}
