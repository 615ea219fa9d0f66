namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The fresh access token minted when an unpromoted child token was promoted (docs/protocol/rotation.md#verify-time-promotion), keyed by the child token's text.
/// A client that just refreshed sends the child token on every request until the first answer reaches it; requests after the
/// promotion get the same fresh token without a database read, as verifying that fresh token would (RS256 signing plus a row
/// read per request made refresh storms far slower than valid-token storms; docs/benchmarks.md). Requests
/// that arrive during the promotion share it through <see cref="PromotionFlight"/>, which fills this cache before it ends.
/// </summary>
/// <remarks>
/// A promotion is reused only for <see cref="ReuseWindow"/>, the moments in which a client re-sends its waiting requests: after that
/// the child token goes to the store again, as the protocol has it, so a session revoked on another instance gets no token from this
/// instance's memory (docs/security.md). A session ended on this instance is refused before this cache is asked (<see cref="RevokedSessions"/>).
/// Bounded without ever emptying at once (<see cref="BoundedTokenCache{TValue}"/>): promotions past their window go first.
/// </remarks>
internal sealed class PromotedTokenCache(TimeProvider time)
{
    internal const int MaxEntries = 10_000;

    /// <summary>How long after a promotion its fresh token is handed to requests still carrying the child token.</summary>
    internal static readonly TimeSpan ReuseWindow = TimeSpan.FromSeconds(10);

    private readonly BoundedTokenCache<Promotion> _fresh = new(MaxEntries,
        static (promotion, nowMilliseconds) => nowMilliseconds >= promotion.ServeUntilMilliseconds);

    /// <summary>Promotions held now.</summary>
    public int Count => _fresh.Count;

    /// <summary>The fresh session minted for <paramref name="child"/> (same transfer method) within the reuse window, or null.</summary>
    public SesameSession? TryGetPromoted(SesameSession child) =>
        _fresh.TryGet(child.AccessToken, out var promotion) && promotion.Fresh.TransferMethod == child.TransferMethod
            && time.GetUtcNow().ToUnixTimeMilliseconds() < promotion.ServeUntilMilliseconds
            ? promotion.Fresh
            : null;

    /// <summary>Remembers the fresh session minted for <paramref name="child"/>.</summary>
    public void Remember(SesameSession child, SesameSession fresh)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Never past the fresh token's own expiry (which is never past the session's).
        var serveUntil = Math.Min(now + (long)ReuseWindow.TotalMilliseconds, fresh.ExpiresAtSeconds * 1000);
        _fresh.Set(child.AccessToken, new Promotion(fresh, serveUntil), now);
    }

    /// <summary>
    /// Forgets the fresh tokens minted for <paramref name="sessionHandle"/>: its payload changed, and a request still carrying an
    /// earlier child token must get a token signed with the new payload, not the cached one (which would undo the update on the client).
    /// A scan, but payload updates are rare next to verifications.
    /// </summary>
    public void Forget(string sessionHandle) =>
        _fresh.RemoveWhere(sessionHandle, static (promotion, handle) => string.Equals(promotion.Fresh.SessionHandle, handle, StringComparison.Ordinal));

    private sealed record Promotion(SesameSession Fresh, long ServeUntilMilliseconds);
}
