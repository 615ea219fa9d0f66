using System.Collections.Concurrent;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The fresh access token minted when an unpromoted child token was promoted (server.md §7), keyed by the child token's text.
/// A client that just refreshed sends the child token on every request until the first answer reaches it. Requests that
/// arrive together share one signature; requests after the promotion completed get the same fresh token without a database
/// read, as verifying that fresh token would (RS256 signing plus a row read per request made a 1,000-call refresh storm ~10x
/// slower than a valid-token storm; see docs/benchmarks.md). Bounded: when full it is emptied.
/// </summary>
internal sealed class PromotedTokenCache
{
    internal const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Lazy<Task<SesameSession>>> _fresh = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>The fresh session already minted for <paramref name="child"/> (same transfer method), or null.</summary>
    public SesameSession? TryGetPromoted(SesameSession child) =>
        _fresh.TryGetValue(child.AccessToken, out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully
            && entry.Value.Result.TransferMethod == child.TransferMethod
            ? entry.Value.Result
            : null;

    /// <summary>
    /// Forgets the fresh tokens minted for <paramref name="sessionHandle"/>: its payload changed, and a request still carrying an
    /// earlier child token must get a token signed with the new payload, not the cached one (which would undo the update on the client).
    /// A scan, but payload updates are rare next to verifications.
    /// </summary>
    public void Forget(string sessionHandle)
    {
        foreach (var (childToken, entry) in _fresh)
        {
            if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully
                && string.Equals(entry.Value.Result.SessionHandle, sessionHandle, StringComparison.Ordinal))
            {
                _fresh.TryRemove(new KeyValuePair<string, Lazy<Task<SesameSession>>>(childToken, entry));
            }
        }
    }

    /// <summary>The fresh session for <paramref name="child"/>, created once by <paramref name="create"/>.</summary>
    public async Task<SesameSession> GetOrCreateAsync(SesameSession child, Func<Task<SesameSession>> create)
    {
        if (!_fresh.TryGetValue(child.AccessToken, out var entry))
        {
            if (Interlocked.Increment(ref _count) > MaxEntries)
            {
                _fresh.Clear();
                Interlocked.Exchange(ref _count, 1);
            }

            entry = _fresh.GetOrAdd(child.AccessToken, new Lazy<Task<SesameSession>>(create, LazyThreadSafetyMode.ExecutionAndPublication));
        }

        SesameSession fresh;
        try
        {
            fresh = await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed signing (store unavailable for a key reload) is not remembered: the next request tries again.
            _fresh.TryRemove(new KeyValuePair<string, Lazy<Task<SesameSession>>>(child.AccessToken, entry));
            throw;
        }

        // The same token sent the other way (cookie vs header) gets its own answer in that transfer method.
        return fresh.TransferMethod == child.TransferMethod ? fresh : await create().ConfigureAwait(false);
    }
}
