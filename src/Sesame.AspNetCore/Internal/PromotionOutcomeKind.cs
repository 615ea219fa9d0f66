namespace Sesame.AspNetCore.Internal;

/// <summary>What the store said when a child refresh token was promoted at verification (docs/protocol/rotation.md#verify-time-promotion).</summary>
internal enum PromotionOutcomeKind
{
    /// <summary>The row holds this child token now (promoted by this flight or earlier): answer with a fresh access token.</summary>
    Current,

    /// <summary>A sibling was promoted: the token stays valid unchanged until it expires.</summary>
    StaleBranch,

    /// <summary>The session row is gone or expired.</summary>
    SessionGone,

    /// <summary>The compare-and-set kept losing to concurrent writers (other instances): the client should refresh.</summary>
    KeptLosing,
}
