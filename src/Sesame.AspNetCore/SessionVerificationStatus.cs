namespace Sesame.AspNetCore;

/// <summary>Outcome of verifying a request's session.</summary>
public enum SessionVerificationStatus
{
    /// <summary>The session is valid; <see cref="SessionVerificationResult.Session"/> is set.</summary>
    Valid,

    /// <summary>The request carries no usable access token.</summary>
    NoSession,

    /// <summary>The access token expired or did not verify (or failed anti-CSRF): the client should refresh.</summary>
    TryRefresh,

    /// <summary>The session is gone. The authentication scheme's challenge clears the tokens in the answer; a caller that answers
    /// by itself should call <c>ChallengeAsync(SesameDefaults.AuthenticationScheme)</c> to do the same.</summary>
    Unauthorised,

    /// <summary>The store was needed (first use of a rotated token) and is down.</summary>
    StoreUnavailable,
}
