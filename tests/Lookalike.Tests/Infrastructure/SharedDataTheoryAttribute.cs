namespace Lookalike.Tests.Infrastructure;

/// <summary>A theory that needs <c>../shared</c>; skipped with the missing path as reason when absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(string relativePath = "")
    {
        var path = Path.Combine(TestPaths.Shared, relativePath);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Skip = $"needs {path} (the shared data beside the checkout), which is absent here";
        }
    }
}
