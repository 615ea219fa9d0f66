using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>
/// What a <see cref="SesameEvents.OnUnauthorised"/> handler learns: a request that needs a session has none, or its session is gone (the
/// reference's <c>onUnauthorised</c>). The default answer is <see cref="SesameServerOptions.SessionExpiredStatusCode"/> with
/// <c>{"message":"unauthorised"}</c>.
/// </summary>
public sealed class SesameUnauthorisedContext : SesameResponseContext
{
    internal SesameUnauthorisedContext(HttpContext httpContext, int statusCode, bool tokensCleared)
        : base(httpContext, statusCode) =>
        TokensCleared = tokensCleared;

    /// <summary>
    /// Whether the request carried a session that has ended (signed out, revoked, refresh refused), in which case Sesame has already
    /// cleared its tokens in the response (<c>front-token: remove</c>, expired cookies) whatever the handler writes. False when the request
    /// carried no session token at all.
    /// </summary>
    public bool TokensCleared { get; }
}
