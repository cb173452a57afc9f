using Microsoft.Extensions.Logging;

namespace Lookalike.Gallery.Index;

/// <summary>
/// The SQLite store's <see cref="IIndexSync"/>: loads the index, then every <see cref="SyncInterval"/> asks the store
/// whether another process added faces (<see cref="StoreSync"/>: one fingerprint query when nothing changed); a failed
/// load is retried every <see cref="RetryTicks"/> ticks.
/// </summary>
public sealed partial class PollingIndexSync(LiveGallery gallery, StoreSync sync, ILogger<PollingIndexSync> logger) : IIndexSync
{
    /// <summary>How often the store is checked for faces another process (the CLI) imported.</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(3);

    /// <summary>Ticks of <see cref="SyncInterval"/> between two attempts after a failed load (30 s).</summary>
    public const int RetryTicks = 10;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await IndexLoad.TryLoadAsync(gallery, logger, stoppingToken).ConfigureAwait(false);
            // A CLI import into this data directory while the app runs is picked up here (a count query when nothing changed).
            using var timer = new PeriodicTimer(SyncInterval);
            var ticks = 0;
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (gallery.Status.State == IndexState.Failed)
                {
                    // a failed load is never final: retry every RetryTicks ticks (the state says Failed meanwhile)
                    if (++ticks % RetryTicks == 0)
                    {
                        await IndexLoad.TryLoadAsync(gallery, logger, stoppingToken).ConfigureAwait(false);
                    }
                    continue;
                }
                try
                {
                    sync.SyncWithStore();
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Data.Common.DbException or ArgumentException)
                {
                    LogSyncFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the store for faces imported by another process failed")]
    private partial void LogSyncFailed(Exception ex);
}

/// <summary>The index load both syncs start with.</summary>
internal static partial class IndexLoad
{
    /// <summary>Loads or rebuilds the index; a failure is logged (the status board says Failed with the reason) and false returned.</summary>
    public static async Task<bool> TryLoadAsync(LiveGallery gallery, ILogger logger, CancellationToken stoppingToken)
    {
        try
        {
            await gallery.EnsureReadyAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The gallery index could not be made ready; the app runs with an empty gallery")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
