using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>The outcome, the row it was decided on, and the session's end after it (moved on by a promotion).</summary>
internal readonly record struct RotationOutcome(RotationOutcomeKind Kind, StoredSession? Row, DateTimeOffset SessionExpiresAt, string? RefusalReason = null);
