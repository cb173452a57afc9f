namespace Lookalike.Tests.Infrastructure;

/// <summary>A theory that needs <c>../shared</c>; skipped with the missing path as reason when absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(string relativePath = "") => Skip = SharedDataFactAttribute.SkipReason(relativePath);
}
