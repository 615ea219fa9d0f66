using System.Collections.Concurrent;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Access tokens whose signature and shape already checked out, keyed by the exact token text, so a client that sends
/// the same token on many requests pays for the RSA signature check once (it dominated the per-request cost of a
/// protected endpoint: see docs/benchmarks.md). Only tokens that verified as valid are added, and a hit needs the very
/// same characters, so the cache cannot make a forged token pass; the expiry is still checked on every hit.
/// Bounded: when full it is emptied, and tokens are simply verified again.
/// </summary>
internal sealed class VerifiedTokenCache
{
    // ~2 KB per entry (the token text is shared with the session object): at most ~20 MB.
    internal const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, SesameSession> _sessions = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>The verified session of <paramref name="token"/> sent by <paramref name="method"/>, if cached.</summary>
    public bool TryGet(string token, TokenTransferMethod method, out SesameSession? session)
    {
        if (_sessions.TryGetValue(token, out session) && session.TransferMethod == method)
        {
            return true;
        }

        session = null;
        return false;
    }

    /// <summary>Remembers a token that verified as valid.</summary>
    public void Add(SesameSession session)
    {
        if (Interlocked.Increment(ref _count) > MaxEntries)
        {
            // Rare and cheap: a full cache is dropped whole rather than tracking recency on the hot path.
            _sessions.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _sessions[session.AccessToken] = session;
    }
}
