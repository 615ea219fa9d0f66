using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>
/// What a <see cref="SesameEvents.OnTokenTheftDetected"/> handler learns: a refresh token that had already been superseded was presented
/// (the reference's <c>onTokenTheftDetected</c>). By the time the handler runs the session is revoked and its tokens are cleared in the
/// response, whatever the handler does. The default answer is <see cref="SesameServerOptions.SessionExpiredStatusCode"/> with
/// <c>{"message":"token theft detected"}</c>.
/// </summary>
public sealed class SesameTokenTheftContext : SesameResponseContext
{
    internal SesameTokenTheftContext(HttpContext httpContext, int statusCode, string sessionHandle, string userId)
        : base(httpContext, statusCode)
    {
        SessionHandle = sessionHandle;
        UserId = userId;
    }

    /// <summary>The revoked session's handle.</summary>
    public string SessionHandle { get; }

    /// <summary>The revoked session's user.</summary>
    public string UserId { get; }
}
