namespace Sesame.AspNetCore;

/// <summary>Outcome of a refresh.</summary>
public enum SessionRefreshStatus
{
    /// <summary>New tokens were sent.</summary>
    Refreshed,

    /// <summary>No usable refresh token, the session is gone or expired, or anti-CSRF failed; tokens are cleared.</summary>
    Unauthorised,

    /// <summary>A superseded refresh token was reused: the session is revoked and tokens are cleared.</summary>
    TokenTheftDetected,

    /// <summary>The request carried a session cookie twice (the app changed <see cref="SesameServerOptions.CookieDomain"/>) and
    /// <see cref="SesameServerOptions.OlderCookieDomain"/> is not set: nothing was changed (the endpoint answers 500, as the reference does).</summary>
    DuplicateSessionCookies,

    /// <summary>The request carried a session cookie twice and the cookies of <see cref="SesameServerOptions.OlderCookieDomain"/> were
    /// cleared; no new tokens were sent (the endpoint answers 200, and the client's next request carries only the current cookies).</summary>
    OlderDomainCookiesCleared,
}
