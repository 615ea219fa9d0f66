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
