using System.Text.Json;

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

/// <summary>One session event.</summary>
public sealed class SessionEvent
{
    internal SessionEvent(SessionEventType type, bool? sessionExpiredOrRevoked = null, JsonElement? claimValidationErrors = null)
    {
        Type = type;
        SessionExpiredOrRevoked = sessionExpiredOrRevoked;
        ClaimValidationErrors = claimValidationErrors;
    }

    /// <summary>The kind of event.</summary>
    public SessionEventType Type { get; }

    /// <summary>For <see cref="SessionEventType.Unauthorised"/>: true if a session existed and the server ended it, false if there was none.</summary>
    public bool? SessionExpiredOrRevoked { get; }

    /// <summary>For <see cref="SessionEventType.ApiInvalidClaim"/>: the <c>claimValidationErrors</c> array of the response body.</summary>
    public JsonElement? ClaimValidationErrors { get; }

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        SessionEventType.Unauthorised => $"Unauthorised(sessionExpiredOrRevoked: {SessionExpiredOrRevoked})",
        _ => Type.ToString(),
    };

    internal static readonly SessionEvent Created = new(SessionEventType.SessionCreated);
    internal static readonly SessionEvent Refreshed = new(SessionEventType.RefreshSession);
    internal static readonly SessionEvent SignedOut = new(SessionEventType.SignOut);
    internal static readonly SessionEvent PayloadUpdated = new(SessionEventType.AccessTokenPayloadUpdated);
    internal static readonly SessionEvent UnauthorisedExpired = new(SessionEventType.Unauthorised, true);
    internal static readonly SessionEvent UnauthorisedNoSession = new(SessionEventType.Unauthorised, false);
}

/// <summary>Session events of one client (also available as <see cref="SesameClientOptions.OnSessionEvent"/>).</summary>
public interface ISessionEvents
{
    /// <summary>Raised for every session event, in protocol order. Handlers run on the thread that caused the event; exceptions are logged and ignored.</summary>
    event EventHandler<SessionEvent>? EventRaised;
}
