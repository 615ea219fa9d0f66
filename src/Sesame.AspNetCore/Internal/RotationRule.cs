namespace Sesame.AspNetCore.Internal;

/// <summary>Where a presented refresh token stands against its session row (docs/protocol/rotation.md#two-phase-rule).</summary>
internal enum RotationDecision
{
    /// <summary>The row holds this token: it is valid, and using it again writes nothing (a lost response is harmless).</summary>
    Current,

    /// <summary>The row holds this token's parent: an unpromoted child, made current by a compare-and-set on first use.</summary>
    ChildOfCurrent,

    /// <summary>Neither: a token the session has moved past. Presented to the refresh endpoint, that is theft.</summary>
    Superseded,
}

/// <summary>
/// The two-phase rotation rule as one pure function, shared by the refresh endpoint and by verify-time promotion, so the rule
/// that decides theft exists once. Hashes are compared in constant time.
/// </summary>
internal static class RotationRule
{
    /// <param name="storedHash2">The row's <c>refresh_token_hash2</c>.</param>
    /// <param name="presentedHash2">Hash of hash of the presented refresh token.</param>
    /// <param name="presentedParentHash2">Hash of the parent hash the presented token carries; null for a token minted at login.</param>
    public static RotationDecision Decide(string storedHash2, string presentedHash2, string? presentedParentHash2)
    {
        if (TokenCrypto.FixedTimeEquals(presentedHash2, storedHash2))
        {
            return RotationDecision.Current;
        }

        return presentedParentHash2 is not null && TokenCrypto.FixedTimeEquals(presentedParentHash2, storedHash2)
            ? RotationDecision.ChildOfCurrent
            : RotationDecision.Superseded;
    }
}
