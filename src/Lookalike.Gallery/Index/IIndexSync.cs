namespace Lookalike.Gallery.Index;

/// <summary>
/// The port that makes the live index ready and keeps it in step with what other processes write to the store (a CLI
/// import, another app replica's curation). The web app runs one for its lifetime; the store's provider picks the
/// adapter: <see cref="PollingIndexSync"/> (SQLite: a fingerprint query every few seconds) or
/// <see cref="Postgres.PostgresIndexSync"/> (PostgreSQL: the change log, by <c>LISTEN</c>/<c>NOTIFY</c>).
/// </summary>
public interface IIndexSync
{
    /// <summary>Loads (or rebuilds) the live index, retrying a failed load, then follows the store until cancelled.</summary>
    /// <param name="stoppingToken">Stops the sync (the app shuts down); the returned task then completes without throwing.</param>
    Task RunAsync(CancellationToken stoppingToken);
}
