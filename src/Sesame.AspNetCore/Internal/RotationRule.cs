namespace Sesame.AspNetCore.Internal;

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
