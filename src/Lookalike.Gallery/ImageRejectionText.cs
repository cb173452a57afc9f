using Lookalike.Faces;

namespace Lookalike.Gallery;

/// <summary>
/// The one home of the words for a rejected image: the import's skip reason, the UI's sentence and the API's stable code
/// all come from here, in plain language (never an exception type name).
/// </summary>
public static class ImageRejectionText
{
    /// <summary>The words for a face whose descriptor is degenerate (<see cref="DescriptorCheck"/>): "could not compute a face descriptor".</summary>
    public const string NoDescriptor = "could not compute a face descriptor";

    /// <summary>Why a photo the admin deleted from the gallery (or whose person was deleted) is recorded as skipped.</summary>
    public const string RemovedByAdmin = "removed from the gallery by the admin";

    /// <summary>The skip reason for a photo whose content (SHA-256) is imported already: "duplicate: same content as &lt;path&gt;".</summary>
    public static string DuplicateOf(string sourcePath) => "duplicate: same content as " + Import.ImportSources.DisplayName(sourcePath);

    /// <summary>The import's skip reason for a degenerate descriptor: "could not compute a face descriptor: it is all zeros".</summary>
    public static string NoDescriptorReason(string problem) => NoDescriptor + ": " + problem;

    /// <summary>The plain category of a reason: "empty file", "not an image", "corrupt or incomplete image", …</summary>
    public static string Category(ImageRejectReason reason) => reason switch
    {
        ImageRejectReason.EmptyFile => "empty file",
        ImageRejectReason.NotAnImage => "not an image",
        ImageRejectReason.CorruptOrIncomplete => "corrupt or incomplete image",
        ImageRejectReason.UnsupportedFormat => "unsupported format",
        ImageRejectReason.FileTooLarge => "file too large",
        ImageRejectReason.ImageTooLarge => "image too large",
        ImageRejectReason.ImageTooSmall => "image too small",
        ImageRejectReason.NoDescriptor => NoDescriptor,
        _ => "rejected",
    };

    /// <summary>The stable machine code of a reason (<c>empty_file</c>, <c>not_an_image</c>, <c>corrupt_image</c>, …).</summary>
    public static string Code(ImageRejectReason reason) => reason switch
    {
        ImageRejectReason.EmptyFile => "empty_file",
        ImageRejectReason.NotAnImage => "not_an_image",
        ImageRejectReason.CorruptOrIncomplete => "corrupt_image",
        ImageRejectReason.UnsupportedFormat => "unsupported_format",
        ImageRejectReason.FileTooLarge => "file_too_large",
        ImageRejectReason.ImageTooLarge => "image_too_large",
        ImageRejectReason.ImageTooSmall => "image_too_small",
        ImageRejectReason.NoDescriptor => "no_descriptor",
        _ => "rejected",
    };

    /// <summary>The import's skip reason: "&lt;category&gt;: &lt;message&gt;" (just the category for an empty file).</summary>
    public static string SkipReason(ImageRejectedException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var category = Category(ex.Reason);
        if (ex.Reason == ImageRejectReason.EmptyFile)
        {
            return category;
        }
        return ex.Message.StartsWith(category, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{category}: {ex.Message}";
    }

    /// <summary>The sentence the UI shows for a rejected photo ("That file is not an image (…).").</summary>
    public static string Sentence(ImageRejectedException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.Reason switch
        {
            ImageRejectReason.EmptyFile => "That file is empty.",
            ImageRejectReason.NotAnImage => "That file is not an image (" + ex.Message + ").",
            ImageRejectReason.CorruptOrIncomplete => "That is a corrupt or incomplete image (" + ex.Message + ").",
            ImageRejectReason.NoDescriptor => "We found a face but could not compute a face descriptor for it. Try another photo.",
            _ => ex.Message,
        };
    }

    /// <summary>The API message: the file name (when known) then the rejection's message.</summary>
    public static string ApiMessage(ImageRejectedException ex, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var name = string.IsNullOrEmpty(fileName) ? "" : Path.GetFileName(fileName) + ": ";
        return name + ex.Message;
    }
}
