using System.Security.Claims;
using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Identity;

/// <summary>Settings of Sesame sessions for ASP.NET Core Identity users (<c>AddSesameSessions</c>).</summary>
public sealed class SesameIdentityOptions
{
    /// <summary>
    /// Whether a refresh is refused (and the session revoked) while the user is locked out. Default <see langword="true"/>. Identity locks
    /// a user out after <c>MaxFailedAccessAttempts</c> wrong passwords too, so with this on, someone who knows a user name can end that
    /// user's sessions at their next refresh by failing logins; turn it off to let only an explicit lock-out end sessions through
    /// <see cref="SesameIdentitySessions{TUser}.RevokeAllSessionsAsync"/>.
    /// </summary>
    public bool RefuseRefreshWhenLockedOut { get; set; } = true;

    /// <summary>
    /// Whether a refresh is refused (and the session revoked) when the user can no longer sign in (Identity's <c>CanSignInAsync</c>: a
    /// required confirmation of email, phone number or account missing). Default <see langword="true"/>.
    /// </summary>
    public bool RefuseRefreshWhenSignInNotAllowed { get; set; } = true;

    /// <summary>
    /// Status of a refused login (wrong password, locked out, two-factor code needed, not allowed); the body is the same problem details
    /// as <c>MapIdentityApi</c>'s (<c>detail</c>: <c>Failed</c>, <c>LockedOut</c>, <c>RequiresTwoFactor</c>, <c>NotAllowed</c>). Default
    /// 400, not Identity's 401: to the session clients (the .NET and the official JavaScript client) 401 means "refresh the session and
    /// send again", so a client that holds a session would refresh and re-send a wrong password up to its retry limit. Must differ from
    /// <see cref="SesameServerOptions.SessionExpiredStatusCode"/> unless you accept that.
    /// </summary>
    public int LoginFailureStatusCode { get; set; } = 400;

    /// <summary>
    /// Changes the access-token payload made from the user's principal (<c>IUserClaimsPrincipalFactory</c>) before a session is created or
    /// renewed: add, change or remove claims. Keep it small (it travels with every request); never put secrets in it (clients can read it).
    /// </summary>
    public Action<ClaimsPrincipal, JsonObject>? ConfigurePayload { get; set; }
}
