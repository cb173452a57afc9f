using Lookalike.Gallery.Index;

namespace Lookalike.Web.Services;

/// <summary>Loads or rebuilds the gallery index in the background when the web app starts (the UI shows progress meanwhile).</summary>
public sealed partial class IndexStartupService(LiveGallery gallery, StoreSync sync, ILogger<IndexStartupService> logger) : BackgroundService
{
    /// <summary>How often the store is checked for faces another process (the CLI) imported.</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await LoadIndexAsync(stoppingToken).ConfigureAwait(false);
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
                        await LoadIndexAsync(stoppingToken).ConfigureAwait(false);
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

    /// <summary>Ticks of <see cref="SyncInterval"/> between two attempts after a failed load (30 s).</summary>
    public const int RetryTicks = 10;

    private async Task LoadIndexAsync(CancellationToken stoppingToken)
    {
        try
        {
            await gallery.EnsureReadyAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex); // the status board says Failed with the reason; the loop retries
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the store for faces imported by another process failed")]
    private partial void LogSyncFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "The gallery index could not be made ready; the app runs with an empty gallery")]
    private partial void LogFailed(Exception ex);
}
