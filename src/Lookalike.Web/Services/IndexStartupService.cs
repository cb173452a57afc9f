using Lookalike.Gallery.Index;

namespace Lookalike.Web.Services;

/// <summary>Loads or rebuilds the gallery index in the background when the web app starts (the UI shows progress
/// meanwhile), then keeps it in step with the store through the store's <see cref="IIndexSync"/>.</summary>
public sealed class IndexStartupService(IIndexSync sync) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => sync.RunAsync(stoppingToken);
}
