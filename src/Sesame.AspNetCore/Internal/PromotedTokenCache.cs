using System.Collections.Concurrent;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The fresh access token minted when an unpromoted child token was promoted (server.md §7), keyed by the child token's text.
/// A client that just refreshed sends the child token on every request until the first answer reaches it; requests after the
/// promotion get the same fresh token without a database read, as verifying that fresh token would (RS256 signing plus a row
/// read per request made a 1,000-call refresh storm ~10x slower than a valid-token storm; see docs/benchmarks.md). Requests
/// that arrive during the promotion share it through <see cref="PromotionFlight"/>, which fills this cache before it ends.
/// Bounded: when full it is emptied.
/// </summary>
internal sealed class PromotedTokenCache
{
    internal const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, SesameSession> _fresh = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>The fresh session already minted for <paramref name="child"/> (same transfer method), or null.</summary>
    public SesameSession? TryGetPromoted(SesameSession child) =>
        _fresh.TryGetValue(child.AccessToken, out var fresh) && fresh.TransferMethod == child.TransferMethod ? fresh : null;

    /// <summary>Remembers the fresh session minted for <paramref name="child"/>.</summary>
    public void Remember(SesameSession child, SesameSession fresh)
    {
        if (Interlocked.Increment(ref _count) > MaxEntries)
        {
            _fresh.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _fresh[child.AccessToken] = fresh;
    }

    /// <summary>
    /// Forgets the fresh tokens minted for <paramref name="sessionHandle"/>: its payload changed, and a request still carrying an
    /// earlier child token must get a token signed with the new payload, not the cached one (which would undo the update on the client).
    /// A scan, but payload updates are rare next to verifications.
    /// </summary>
    public void Forget(string sessionHandle)
    {
        foreach (var (childToken, fresh) in _fresh)
        {
            if (string.Equals(fresh.SessionHandle, sessionHandle, StringComparison.Ordinal))
            {
                _fresh.TryRemove(new KeyValuePair<string, SesameSession>(childToken, fresh));
            }
        }
    }
}
