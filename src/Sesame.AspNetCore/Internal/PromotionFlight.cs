using System.Collections.Concurrent;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Single flight for verify-time promotions in this process: concurrent requests carrying the same just-refreshed access token
/// (same session handle and child refresh-token hash) wait for one promotion (one row read, one compare-and-set, one signature) and
/// share its outcome. Without it, each of N requests that a client re-sends after a refresh read the row and queued for the compare-and-set
/// behind the one durable write that wins (SQLite serialises writers), so a refresh storm paid N store round trips.
/// Across server instances the store's compare-and-set still decides. A flight is forgotten as soon as it ends, so a failure (store
/// unavailable) reaches only the requests that were waiting for it and the next request tries again; finished promotions are
/// remembered by <see cref="PromotedTokenCache"/>, not here.
/// </summary>
internal sealed class PromotionFlight
{
    private readonly ConcurrentDictionary<(string SessionHandle, string RefreshTokenHash1), Task<PromotionOutcome>> _inFlight = new();

    /// <summary>Promotions running now (for tests).</summary>
    internal int Count => _inFlight.Count;

    /// <summary>
    /// Joins the promotion of (<paramref name="sessionHandle"/>, <paramref name="refreshTokenHash1"/>) that is running, or starts one with
    /// <paramref name="promote"/>. The promotion itself runs without a cancellation token, so the request that started it going away
    /// does not cancel it for the others; <paramref name="cancellationToken"/> only stops this caller's wait.
    /// </summary>
    public Task<PromotionOutcome> JoinOrStartAsync<TState>(string sessionHandle, string refreshTokenHash1, TState state,
        Func<TState, Task<PromotionOutcome>> promote, CancellationToken cancellationToken)
    {
        var key = (sessionHandle, refreshTokenHash1);
        if (!_inFlight.TryGetValue(key, out var flight))
        {
            var started = new TaskCompletionSource<PromotionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            flight = _inFlight.GetOrAdd(key, started.Task);
            if (ReferenceEquals(flight, started.Task))
            {
                _ = RunAsync(key, started, state, promote);
            }
        }

        return flight.WaitAsync(cancellationToken);
    }

    private async Task RunAsync<TState>((string, string) key, TaskCompletionSource<PromotionOutcome> flight, TState state,
        Func<TState, Task<PromotionOutcome>> promote)
    {
        PromotionOutcome outcome;
        try
        {
            outcome = await promote(state).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Removed before it completes: a request arriving from now on starts a new promotion instead of sharing this failure.
            _inFlight.TryRemove(new KeyValuePair<(string, string), Task<PromotionOutcome>>(key, flight.Task));
            flight.SetException(ex);
            _ = flight.Task.Exception; // observed: when every waiter went away, nobody else reads it
            return;
        }

        _inFlight.TryRemove(new KeyValuePair<(string, string), Task<PromotionOutcome>>(key, flight.Task));
        flight.SetResult(outcome);
    }
}
