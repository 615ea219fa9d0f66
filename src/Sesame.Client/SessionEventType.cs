namespace Sesame.Client;

/// <summary>What happened to the session (docs/protocol/refresh.md#events).</summary>
public enum SessionEventType
{
    /// <summary>A session appeared (login response, or a probe that found one).</summary>
    SessionCreated,

    /// <summary>The session was refreshed.</summary>
    RefreshSession,

    /// <summary>The session is gone: see <see cref="SessionEvent.SessionExpiredOrRevoked"/>.</summary>
    Unauthorised,

    /// <summary>The session was signed out.</summary>
    SignOut,

    /// <summary>The access-token payload changed.</summary>
    AccessTokenPayloadUpdated,

    /// <summary>The API answered the invalid-claim status; see <see cref="SessionEvent.ClaimValidationErrors"/>.</summary>
    ApiInvalidClaim,
}
