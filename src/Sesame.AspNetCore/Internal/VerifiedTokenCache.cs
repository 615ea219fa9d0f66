namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Access tokens whose signature and shape already checked out, keyed by the exact token text, so a client that sends
/// the same token on many requests pays for the RSA signature check once (it dominated the per-request cost of a
/// protected endpoint: see docs/benchmarks.md). Only tokens whose shape and signature verified are added (expired ones
/// too: every hit on them answers "try refresh"), and a hit needs the very same characters, so the cache cannot make a
/// forged token pass; the expiry (and that the signing key is still known) is checked by the caller on every hit.
/// Looked up by span, so the request's header text is not copied. Bounded without ever emptying at once
/// (<see cref="BoundedTokenCache{TValue}"/>): expired tokens go first, then tokens not used since the previous sweep.
/// </summary>
internal sealed class VerifiedTokenCache
{
    // ~2 KB per entry (the token text is shared with the session object): at most ~20 MB.
    internal const int MaxEntries = 10_000;

    private readonly BoundedTokenCache<SesameSession> _sessions = new(MaxEntries,
        static (session, nowMilliseconds) => session.ExpiresAtSeconds * 1000 < nowMilliseconds);

    /// <summary>Tokens held now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The verified session of <paramref name="token"/> sent by <paramref name="method"/>, if cached.</summary>
    public bool TryGet(ReadOnlySpan<char> token, TokenTransferMethod method, out SesameSession? session)
    {
        if (_sessions.TryGet(token, out session) && session.TransferMethod == method)
        {
            return true;
        }

        session = null;
        return false;
    }

    /// <summary>Remembers a token that verified (valid or expired) at <paramref name="nowMilliseconds"/>.</summary>
    public void Add(SesameSession session, long nowMilliseconds) => _sessions.Set(session.AccessToken, session, nowMilliseconds);

    /// <summary>Forgets <paramref name="session"/>'s token (its signing key is gone).</summary>
    public void Remove(SesameSession session) => _sessions.Remove(session.AccessToken, session);
}
