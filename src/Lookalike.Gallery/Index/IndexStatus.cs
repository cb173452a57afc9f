namespace Lookalike.Gallery.Index;

/// <summary>Where the live index stands.</summary>
public enum IndexState
{
    /// <summary>Nothing loaded yet.</summary>
    NotLoaded,

    /// <summary>Reading the index file or the store.</summary>
    Loading,

    /// <summary>Building a new index from the stored descriptors (the previous one keeps serving).</summary>
    Rebuilding,

    /// <summary>Serving searches.</summary>
    Ready,

    /// <summary>The load failed; the gallery is empty.</summary>
    Failed,
}

/// <summary>
/// A read-only picture of the live index for the UI, the API and the CLI: state, progress (0–1), what it last did,
/// why the store is stale (null when it is not: while set, the index serves nothing) and the load/rebuild counters.
/// </summary>
public sealed record IndexStatus(IndexState State, double Progress, string Message, string? StaleModelMessage, int Loads, int Rebuilds)
{
    /// <summary>Set when the index file was found damaged at the last load: what was wrong, where the bad file was kept
    /// and that the index was rebuilt from the store; null otherwise.</summary>
    public string? DamagedFileMessage { get; init; }

    /// <summary>Stored descriptors left out of the live index because they cannot be indexed (<see cref="DescriptorScreen"/>).</summary>
    public int SkippedDescriptors { get; init; }

    /// <summary>What the operator should know beyond <see cref="Message"/>: the stale model, a damaged index file kept
    /// aside, stored descriptors left out. Empty when all is well.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>(3);
            if (StaleModelMessage is { } stale)
            {
                warnings.Add(stale);
            }
            if (DamagedFileMessage is { } damaged)
            {
                warnings.Add(damaged);
            }
            if (SkippedDescriptors > 0)
            {
                warnings.Add(SkippedDescriptors == 1
                    ? "1 stored descriptor could not be indexed and was left out (see the log)."
                    : $"{SkippedDescriptors:N0} stored descriptors could not be indexed and were left out (see the log).");
            }
            return warnings;
        }
    }
}

/// <summary>
/// The one writer of <see cref="IndexStatus"/> (the live gallery and the store sync report through it) and the place
/// where pages subscribe to its changes. Thread-safe; <see cref="Changed"/> is raised on the reporting thread.
/// </summary>
public sealed class IndexStatusBoard
{
    private IndexStatus _current = new(IndexState.NotLoaded, 0, "Index not loaded yet.", null, 0, 0);
    private readonly Lock _gate = new();

    /// <summary>The latest status.</summary>
    public IndexStatus Current => Volatile.Read(ref _current);

    /// <summary>Raised (on a background thread) when the status or the live gallery changes.</summary>
    public event Action? Changed;

    /// <summary>Subscribes <paramref name="callback"/> to <see cref="Changed"/>; dispose the result to unsubscribe.</summary>
    public IDisposable NotifyOnChange(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Changed += callback;
        return new Subscription(this, callback);
    }

    /// <summary>Sets state, progress and message, and raises <see cref="Changed"/>.</summary>
    internal void Set(IndexState state, double progress, string message) => Update(s => s with { State = state, Progress = progress, Message = message });

    /// <summary>Replaces the message only (no event: the caller raises one when it has more to say).</summary>
    internal void SetMessage(string message) => Update(s => s with { Message = message }, notify: false);

    /// <summary>Sets or clears the stale-model message (no event).</summary>
    internal void SetStale(string? message) => Update(s => s with { StaleModelMessage = message }, notify: false);

    /// <summary>Sets or clears the damaged-index-file message (no event).</summary>
    internal void SetDamaged(string? message) => Update(s => s with { DamagedFileMessage = message }, notify: false);

    /// <summary>Sets how many stored descriptors are left out of the live index (no event).</summary>
    internal void SetSkipped(int count) => Update(s => s with { SkippedDescriptors = count }, notify: false);

    internal void CountLoad() => Update(s => s with { Loads = s.Loads + 1 }, notify: false);

    internal void CountRebuild() => Update(s => s with { Rebuilds = s.Rebuilds + 1 }, notify: false);

    /// <summary>Raises <see cref="Changed"/> (the live gallery grew).</summary>
    internal void Notify() => Changed?.Invoke();

    private void Update(Func<IndexStatus, IndexStatus> change, bool notify = true)
    {
        lock (_gate)
        {
            Volatile.Write(ref _current, change(_current));
        }
        if (notify)
        {
            Changed?.Invoke();
        }
    }

    private sealed class Subscription(IndexStatusBoard board, Action callback) : IDisposable
    {
        public void Dispose() => board.Changed -= callback;
    }
}
