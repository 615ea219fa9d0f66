using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The one compare-and-set loop over a session row: read the row, decide with <see cref="RotationRule"/>, and promote a child token
/// with <see cref="ISessionStore.TryRotateAsync"/>; a compare-and-set lost to a concurrent writer re-reads the row and decides anew.
/// Used by the refresh endpoint and by verify-time promotion alike.
/// </summary>
internal sealed class SessionRowRotation(ISessionStore store, SesameSettings settings, TimeProvider time)
{
    // More lost compare-and-sets than this in a row mean a storm: the caller gives up and the client refreshes again later.
    private const int MaxCasAttempts = 5;

    /// <summary>
    /// Advances the session <paramref name="sessionHandle"/> for a presented token. <paramref name="check"/>, when given, runs once
    /// before anything is written for a current or child token and may refuse the session (its non-null answer is the reason).
    /// A promotion records the time and <paramref name="client"/> with the same write (the session's metadata); a token that is
    /// current already writes nothing, so its metadata waits for the next promotion.
    /// </summary>
    public async Task<RotationOutcome> AdvanceAsync(string sessionHandle, string presentedHash2, string? presentedParentHash2,
        ClientInfo client, Func<StoredSession, CancellationToken, Task<string?>>? check, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (row is null || row.ExpiresAt <= now)
            {
                return new RotationOutcome(RotationOutcomeKind.SessionGone, null, default);
            }

            var decision = RotationRule.Decide(row.RefreshTokenHash2, presentedHash2, presentedParentHash2);
            if (decision == RotationDecision.Superseded)
            {
                return new RotationOutcome(RotationOutcomeKind.Superseded, row, row.ExpiresAt);
            }

            if (check is not null)
            {
                if (await check(row, cancellationToken).ConfigureAwait(false) is { } reason)
                {
                    return new RotationOutcome(RotationOutcomeKind.Refused, row, row.ExpiresAt, reason);
                }

                check = null; // once: a re-read after a lost compare-and-set does not ask again
            }

            if (decision == RotationDecision.Current)
            {
                return new RotationOutcome(RotationOutcomeKind.Current, row, row.ExpiresAt);
            }

            var expiresAt = now + settings.Options.RefreshTokenLifetime;
            if (await store.TryRotateAsync(row.SessionHandle, row.RefreshTokenHash2, presentedHash2, expiresAt,
                    new SessionRotationRecord(now, client.UserAgent, client.IpAddress), cancellationToken).ConfigureAwait(false))
            {
                return new RotationOutcome(RotationOutcomeKind.Promoted, row, expiresAt);
            }
        }

        return new RotationOutcome(RotationOutcomeKind.KeptLosing, null, default);
    }
}
