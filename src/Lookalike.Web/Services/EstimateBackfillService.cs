using Lookalike.Gallery.Estimates;

namespace Lookalike.Web.Services;

/// <summary>
/// At app start, gives the stored faces that lack an age/sex estimate theirs (<see cref="FaceEstimateBackfill"/>) in
/// the background: start-up is not blocked, searches work meanwhile (faces not estimated yet are kept by the same-sex
/// filter, see <c>MatchService.SearchPeople</c>), and a stop cancels between faces keeping what was stored.
/// </summary>
internal sealed partial class EstimateBackfillService(FaceEstimateBackfill backfill, ILogger<EstimateBackfillService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var done = backfill.Run(null, stoppingToken);
            if (done > 0)
            {
                LogDone(logger, done, started.Elapsed.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: what was stored stays, the next start continues
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            LogFailed(logger, e);
        }
    }, stoppingToken);

    [LoggerMessage(1101, LogLevel.Information, "Age/sex estimates backfilled for {Faces} stored faces in {Seconds:0.0} s.")]
    private static partial void LogDone(ILogger logger, int faces, double seconds);

    [LoggerMessage(1102, LogLevel.Warning, "Age/sex backfill failed; the next start tries again.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
