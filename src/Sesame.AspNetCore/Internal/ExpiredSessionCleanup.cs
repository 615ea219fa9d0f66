using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Deletes expired sessions once an hour (docs/protocol/rotation.md#session-row). Expired rows are already treated as absent,
/// so this only keeps the table small; an outage just skips a round.
/// </summary>
internal sealed class ExpiredSessionCleanup(ISessionStore store, StoreInitializer initializer, TimeProvider time,
    ILogger<ExpiredSessionCleanup> logger) : BackgroundService
{
    internal static readonly TimeSpan Period = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await initializer.EnsureInitializedAsync(stoppingToken).ConfigureAwait(false);
                    var deleted = await store.DeleteExpiredAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                    Log.ExpiredSessionsDeleted(logger, deleted);
                }
                catch (SessionStoreUnavailableException ex)
                {
                    Log.StoreUnavailable(logger, "expired-session clean-up", ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
