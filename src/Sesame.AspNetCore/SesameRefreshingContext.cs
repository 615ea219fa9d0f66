using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>
/// What a <see cref="SesameEvents.OnRefreshing"/> handler learns about a refresh about to happen, and how it refuses it. Never contains a
/// token. One instance per refresh; not thread-safe.
/// </summary>
public sealed class SesameRefreshingContext
{
    private readonly string _payloadJson;
    private JsonObject? _payload;

    internal SesameRefreshingContext(HttpContext httpContext, string sessionHandle, string userId, string payloadJson)
    {
        HttpContext = httpContext;
        SessionHandle = sessionHandle;
        UserId = userId;
        _payloadJson = payloadJson;
    }

    /// <summary>The refresh request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The session's handle.</summary>
    public string SessionHandle { get; }

    /// <summary>The session's user.</summary>
    public string UserId { get; }

    /// <summary>The session's stored custom access-token claims (what the new access token will carry). Parsed on first use.</summary>
    public JsonObject AccessTokenPayload => _payload ??= JsonNode.Parse(_payloadJson) as JsonObject ?? [];

    /// <summary>Whether a handler refused the refresh.</summary>
    public bool IsRejected => RejectionReason is not null;

    /// <summary>Why, as given to <see cref="Reject"/> (logged at debug level; never sent to the client).</summary>
    public string? RejectionReason { get; private set; }

    /// <summary>Refuses the refresh: the session is revoked, its tokens are cleared and the client is told the session is gone.</summary>
    /// <param name="reason">A short reason for the log, e.g. "user locked out". Must not contain secrets.</param>
    public void Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        RejectionReason ??= reason;
    }
}
