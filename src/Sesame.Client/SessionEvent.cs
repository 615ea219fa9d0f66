using System.Text.Json;

namespace Sesame.Client;

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
