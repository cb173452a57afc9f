namespace Lookalike.Tests.Infrastructure;

/// <summary>
/// A fact that needs the real face datasets in <c>../shared/data</c> (CI always has them). Where that folder is
/// absent the test is skipped and the reason names the missing folder.
/// </summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string relativePath = "")
    {
        var path = Path.Combine(TestPaths.Shared, relativePath);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Skip = $"needs {path} (the shared data beside the checkout), which is absent here";
        }
    }
}
