namespace Sesame.AspNetCore.Internal;

/// <summary>What <see cref="SessionRowRotation.AdvanceAsync"/> found and did.</summary>
internal enum RotationOutcomeKind
{
    /// <summary>No row, or an expired one.</summary>
    SessionGone,

    /// <summary>The presented token is the row's current one; nothing was written.</summary>
    Current,

    /// <summary>The presented token was the current one's child and is now the row's current token (compare-and-set won).</summary>
    Promoted,

    /// <summary>The presented token is neither current nor its child (<see cref="RotationDecision.Superseded"/>).</summary>
    Superseded,

    /// <summary>The caller's check refused the session before any write.</summary>
    Refused,

    /// <summary>The compare-and-set kept losing to concurrent writers (other requests or instances).</summary>
    KeptLosing,
}
