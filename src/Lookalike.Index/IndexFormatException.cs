namespace Lookalike.Index;

/// <summary>An index file that failed a check on <see cref="HnswIndex.Load(string)"/>; <see cref="Check"/> names it:
/// <c>"magic"</c>, <c>"version"</c>, <c>"header"</c>, <c>"size"</c>, <c>"checksum"</c> or <c>"content"</c>.</summary>
public sealed class IndexFormatException : Exception
{
    /// <summary>Creates an exception with no check name.</summary>
    public IndexFormatException() { }

    /// <summary>Creates an exception with a message and no check name.</summary>
    public IndexFormatException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public IndexFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates an exception naming the failed <paramref name="check"/>.</summary>
    public IndexFormatException(string check, string message) : base(message) => Check = check;

    /// <summary>Name of the failed check (empty when not given).</summary>
    public string Check { get; } = "";
}
