namespace Lookalike.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "lookalike")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a host may still hold a file; the temp folder is cleaned by the OS
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
