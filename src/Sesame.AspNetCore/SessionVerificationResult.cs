namespace Sesame.AspNetCore;

/// <summary>The result of <see cref="ISessionService.VerifySessionAsync"/> and <see cref="ISessionService.VerifyAccessTokenAsync"/>.</summary>
public sealed class SessionVerificationResult
{
    internal static readonly SessionVerificationResult NoSession = new(SessionVerificationStatus.NoSession, null);
    internal static readonly SessionVerificationResult TryRefresh = new(SessionVerificationStatus.TryRefresh, null);
    internal static readonly SessionVerificationResult Unauthorised = new(SessionVerificationStatus.Unauthorised, null);
    internal static readonly SessionVerificationResult StoreUnavailable = new(SessionVerificationStatus.StoreUnavailable, null);

    internal SessionVerificationResult(SessionVerificationStatus status, SesameSession? session)
    {
        Status = status;
        Session = session;
    }

    /// <summary>What happened.</summary>
    public SessionVerificationStatus Status { get; }

    /// <summary>The session when <see cref="Status"/> is <see cref="SessionVerificationStatus.Valid"/>.</summary>
    public SesameSession? Session { get; }

    /// <summary>
    /// Valid, but the token was minted by a refresh and its child refresh token is not promoted yet (docs/protocol/rotation.md#verify-time-promotion): verification
    /// was read-only (an endpoint that needs no session), and <see cref="ISessionService.VerifySessionAsync"/> promotes it.
    /// </summary>
    internal bool PromotionPending { get; init; }
}
