namespace Lookalike.Web.Services;

/// <summary>Placeholder; replaced by the UI state.</summary>
public sealed class LookalikeSession;
