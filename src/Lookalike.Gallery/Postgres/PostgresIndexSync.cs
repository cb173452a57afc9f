using System.Diagnostics;
using Lookalike.Gallery.Index;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lookalike.Gallery.Postgres;

/// <summary>
/// The PostgreSQL store's <see cref="IIndexSync"/>: each app replica follows the store's change log
/// (<see cref="PostgresGalleryStore.ReadChanges"/>) on a dedicated <c>LISTEN</c> connection and applies every change
/// after the last one it applied to its live index: faces added (read by id), faces removed, people renamed or merged
/// (result cards read names from the live index, so they show at once). No polling: it waits in
/// <see cref="NpgsqlConnection.WaitAsync(TimeSpan, CancellationToken)"/>.
/// <para>Catch-up: the newest sequence is noted before the index's first store read (the load reads the whole store, from
/// the index file or not), so every change after it is applied afterwards; applying a change twice is harmless. After a
/// dropped connection it reconnects with backoff (0.5 s doubling to 30 s, logged) and applies what it missed, by sequence.</para>
/// </summary>
public sealed partial class PostgresIndexSync(PostgresGalleryStore store, LiveGallery gallery, StoreSync storeSync, ModelStalenessPolicy staleness, IndexStatusBoard status, ILogger<PostgresIndexSync> logger) : IIndexSync
{
    /// <summary>The longest wait between two reconnect attempts.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private const int ChangesPerRead = 500;
    private long _applied;

    /// <summary>The last change sequence applied to the live index.</summary>
    public long AppliedSequence => Interlocked.Read(ref _applied);

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            _applied = StartSequence();
            while (!await IndexLoad.TryLoadAsync(gallery, logger, stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(TimeSpan.FromSeconds(PollingIndexSync.RetryTicks * PollingIndexSync.SyncInterval.TotalSeconds), stoppingToken).ConfigureAwait(false);
            }
            await FollowAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>The sequence the first load reflects at least: noted before it reads; 0 (replay the whole log) when the
    /// load began before, or the store cannot say.</summary>
    private long StartSequence()
    {
        try
        {
            var sequence = store.GetChangeSequence();
            return gallery.IsStarted ? 0 : sequence;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogStartSequenceFailed(ex);
            return 0;
        }
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        var lost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.OpenChangeListenerAsync(stoppingToken).ConfigureAwait(false);
                if (lost)
                {
                    LogReconnected(store.ChangeChannel, AppliedSequence);
                }
                else
                {
                    LogListening(store.ChangeChannel, AppliedSequence);
                }
                lost = false;
                backoff = TimeSpan.FromMilliseconds(500);
                var signalled = 0;
                connection.Notification += (_, _) => Volatile.Write(ref signalled, 1);
                await CatchUpAsync(stoppingToken).ConfigureAwait(false); // what was committed while not listening
                while (true)
                {
                    // The timeout only bounds each wait; a dropped connection fails it (keepalives) and we reconnect.
                    await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false);
                    if (Interlocked.Exchange(ref signalled, 0) == 1)
                    {
                        await CatchUpAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // a lost connection, or a failed read while applying: never final (the host would stop), retried from the sequence
                lost = true;
                LogConnectionLost(ex, backoff.TotalSeconds);
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Applies every change after <see cref="AppliedSequence"/>, in order.</summary>
    private async Task CatchUpAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            var changes = store.ReadChanges(AppliedSequence, ChangesPerRead);
            foreach (var change in changes)
            {
                var watch = Stopwatch.StartNew();
                while (!Apply(change))
                {
                    await Task.Delay(50, stoppingToken).ConfigureAwait(false); // a curation raced the read: read again
                }
                Interlocked.Exchange(ref _applied, change.Sequence);
                LogApplied(change.Sequence, change.Kind, change.FaceIds.Count, watch.Elapsed.TotalMilliseconds);
            }
            if (changes.Count < ChangesPerRead)
            {
                return;
            }
        }
    }

    /// <summary>Applies one change to the live index; false when it must be read again (a curation raced the read).</summary>
    private bool Apply(StoreChange change)
    {
        var snapshot = gallery.Current;
        switch (change.Kind)
        {
            case StoreChangeKind.FacesAdded:
                if (status.Current.StaleModelMessage is not null || staleness.Check(store.GetModel()) is not null)
                {
                    storeSync.SyncWithStore(); // reports the stale model, or re-reads the store once it is current again
                    return true;
                }
                var readAt = gallery.CurationGeneration;
                return gallery.TryAddStored(store.ReadEmbeddings(change.FaceIds.ToList(), snapshot.Dimension), readAt) is not null;
            case StoreChangeKind.FacesRemoved:
                var held = change.FaceIds.Where(id => snapshot.Faces.ContainsKey(id) || gallery.IsSkipped(id)).ToList();
                if (held.Count > 0)
                {
                    gallery.RemoveFaces(held);
                }
                return true;
            case StoreChangeKind.PersonRenamed when change.PersonId is { } person && change.Name is { } name:
                if (snapshot.Faces.Values.Any(f => f.PersonId == person && f.Person != name))
                {
                    gallery.Reassign(person, person, name);
                }
                return true;
            case StoreChangeKind.PersonMerged when change.PersonId is { } source && change.NewPersonId is { } target && change.Name is { } targetName:
                if (snapshot.Faces.Values.Any(f => f.PersonId == source))
                {
                    gallery.Reassign(source, target, targetName);
                }
                return true;
            default:
                return true; // a row this build cannot use (a malformed rename or merge): nothing to apply
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the store's changes on channel {Channel} from sequence {Sequence}")]
    private partial void LogListening(string channel, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to the store's change channel {Channel}; catching up from sequence {Sequence}")]
    private partial void LogReconnected(string channel, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the store's changes failed (connection lost?); reconnecting in {Seconds} s")]
    private partial void LogConnectionLost(Exception ex, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store's change sequence could not be read before the index load; the whole change log is replayed")]
    private partial void LogStartSequenceFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied store change {Sequence} ({Kind}, {Faces} faces) in {Milliseconds:0.0} ms")]
    private partial void LogApplied(long sequence, StoreChangeKind kind, int faces, double milliseconds);
}
