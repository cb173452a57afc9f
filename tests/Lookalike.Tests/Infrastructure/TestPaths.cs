namespace Lookalike.Tests.Infrastructure;

/// <summary>Where the tests find their inputs: the model files copied to the build output, and <c>../shared</c> beside the checkout.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Lookalike.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>shared/</c> beside the checkout (read-only: data, bugs, bench peers); may be absent outside CI.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>The real face datasets (<c>shared/data</c>: LFW and a CelebA sample).</summary>
    public static string SharedData => Path.Combine(Shared, "data");

    /// <summary>Inputs of the bug log (<c>shared/bugs/inputs</c>).</summary>
    public static string BugInputs => Path.Combine(Shared, "bugs", "inputs");

    /// <summary>The model files, as the build copied them next to the test assembly.</summary>
    public static string Models => Path.Combine(AppContext.BaseDirectory, "models");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lookalike.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Lookalike.sln not found above " + AppContext.BaseDirectory);
    }
}
