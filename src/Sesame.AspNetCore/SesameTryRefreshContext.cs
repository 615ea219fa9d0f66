using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>
/// What a <see cref="SesameEvents.OnTryRefreshToken"/> handler learns: the request's access token expired or did not verify, so the client
/// should refresh (the reference's <c>onTryRefreshToken</c>). The default answer is <see cref="SesameServerOptions.SessionExpiredStatusCode"/>
/// with <c>{"message":"try refresh token"}</c>; the session clients refresh on that status, so keep it for their requests.
/// </summary>
public sealed class SesameTryRefreshContext : SesameResponseContext
{
    internal SesameTryRefreshContext(HttpContext httpContext, int statusCode)
        : base(httpContext, statusCode)
    {
    }
}
