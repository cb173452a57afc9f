namespace Lookalike.Index.Hnsw;

/// <summary>A tiny shared/exclusive gate: mutations enter shared (they already synchronise among themselves with
/// node locks), <see cref="HnswIndex.Save(string)"/> enters exclusive to see a quiescent graph. Not reentrant.</summary>
internal sealed class MutationGate
{
    private readonly Lock exclusiveLock = new();
    private int shared;
    private int exclusive;

    public void EnterShared()
    {
        var spin = default(SpinWait);
        while (true)
        {
            if (Volatile.Read(ref exclusive) == 0)
            {
                Interlocked.Increment(ref shared);
                if (Volatile.Read(ref exclusive) == 0)
                {
                    return;
                }
                Interlocked.Decrement(ref shared);
            }
            spin.SpinOnce();
        }
    }

    public void ExitShared() => Interlocked.Decrement(ref shared);

    public void EnterExclusive()
    {
        exclusiveLock.Enter();
        Interlocked.Exchange(ref exclusive, 1);
        var spin = default(SpinWait);
        while (Volatile.Read(ref shared) != 0)
        {
            spin.SpinOnce();
        }
    }

    public void ExitExclusive()
    {
        Volatile.Write(ref exclusive, 0);
        exclusiveLock.Exit();
    }
}
