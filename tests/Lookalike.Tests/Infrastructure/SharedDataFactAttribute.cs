namespace Lookalike.Tests.Infrastructure;

/// <summary>
/// A fact that needs the real face datasets in <c>../shared/data</c> (CI always has them). Where that folder is
/// absent the test is skipped and the reason names the missing folder.
/// </summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string relativePath = "") => Skip = SkipReason(relativePath);

    /// <summary>Null when <c>../shared/<paramref name="relativePath"/></c> exists, else the skip reason naming it.</summary>
    internal static string? SkipReason(string relativePath)
    {
        var path = Path.Combine(TestPaths.Shared, relativePath);
        return Directory.Exists(path) || File.Exists(path)
            ? null
            : $"needs {path} (the shared data beside the checkout), which is absent here";
    }
}
