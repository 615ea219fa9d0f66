using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore;

/// <summary>
/// Creates, verifies, refreshes, revokes and updates sessions. Methods taking an <see cref="HttpContext"/> read tokens
/// from the request and write new ones to the response in the request's transfer method. Methods that reach the
/// store throw <see cref="SessionStoreUnavailableException"/> when it is down.
/// </summary>
public interface ISessionService
{
    /// <summary>
    /// Starts a session for <paramref name="userId"/> and sends its tokens in the method the request asks for
    /// (<c>st-auth-mode: cookie</c> gives cookies, anything else headers).
    /// </summary>
    /// <param name="httpContext">The login request.</param>
    /// <param name="userId">The user; becomes the <c>sub</c> claim.</param>
    /// <param name="accessTokenPayload">Custom claims for the access token; reserved names throw <see cref="ArgumentException"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new session (also available from <c>HttpContext.GetSesameSession()</c> afterwards).</returns>
    Task<SesameSession> CreateSessionAsync(HttpContext httpContext, string userId, JsonObject? accessTokenPayload = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies the request's access token (the same check the authentication handler runs, done once per request) and, on the first
    /// use of an access token minted by a refresh, promotes its refresh token (docs/protocol/rotation.md#verify-time-promotion: one store write, and the new access token
    /// is sent in the response). No database access otherwise. Calling this means the request needs its session: the authentication
    /// handler itself promotes only on endpoints that require authorization, and leaves anonymous endpoints read-only.
    /// </summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<SessionVerificationResult> VerifySessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default);

    /// <summary>Rotates the request's refresh token and sends new tokens (what <c>POST {base}/session/refresh</c> does).</summary>
    /// <param name="httpContext">The refresh request.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<SessionRefreshResult> RefreshSessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default);

    /// <summary>Revokes the request's verified session and clears its tokens (<c>front-token: remove</c>).</summary>
    /// <param name="httpContext">The request, which must carry a verified session.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the request has no verified session.</returns>
    Task<bool> SignOutAsync(HttpContext httpContext, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes one session: refreshing fails from now on, and this instance refuses the session's access tokens at once. Other
    /// instances, whose verification reads no store, accept an access token already issued until it expires (docs/security.md).
    /// </summary>
    /// <param name="sessionHandle">The session.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a session was revoked.</returns>
    Task<bool> RevokeSessionAsync(string sessionHandle, CancellationToken cancellationToken = default);

    /// <summary>Revokes every session of a user, with the effect described at <see cref="RevokeSessionAsync"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The handles of the revoked sessions.</returns>
    Task<IReadOnlyList<string>> RevokeAllSessionsForUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges <paramref name="changes"/> into the request's session payload (a <see langword="null"/> value deletes
    /// the key; reserved claims are ignored) and, if the access token is unexpired, re-signs it with the same expiry
    /// and sends it with a new front token.
    /// </summary>
    /// <param name="httpContext">The request, which must carry a verified session.</param>
    /// <param name="changes">The claims to set or delete.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session no longer exists (its tokens are then cleared).</returns>
    Task<bool> UpdateAccessTokenPayloadAsync(HttpContext httpContext, JsonObject changes, CancellationToken cancellationToken = default);

    /// <summary>Merges <paramref name="changes"/> into a session's stored payload; the client sees it after its next refresh.</summary>
    /// <param name="sessionHandle">The session.</param>
    /// <param name="changes">The claims to set or delete.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session does not exist.</returns>
    Task<bool> UpdateAccessTokenPayloadAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken = default);

    /// <summary>A user's live sessions.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>One session's stored state, or <see langword="null"/> when it does not exist or has expired.</summary>
    /// <param name="sessionHandle">The session.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<SessionInfo?> GetSessionInfoAsync(string sessionHandle, CancellationToken cancellationToken = default);
}

/// <summary>A stored session, as listed for its user.</summary>
/// <param name="SessionHandle">The session's handle.</param>
/// <param name="UserId">The user.</param>
/// <param name="AccessTokenPayload">The custom access-token claims.</param>
/// <param name="CreatedAt">When the session started.</param>
/// <param name="ExpiresAt">When it ends unless refreshed.</param>
public sealed record SessionInfo(string SessionHandle, string UserId, JsonObject AccessTokenPayload, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

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

/// <summary>The result of <see cref="ISessionService.VerifySessionAsync"/>.</summary>
public sealed class SessionVerificationResult
{
    internal static readonly SessionVerificationResult NoSession = new(SessionVerificationStatus.NoSession, null);
    internal static readonly SessionVerificationResult TryRefresh = new(SessionVerificationStatus.TryRefresh, null);
    internal static readonly SessionVerificationResult Unauthorised = new(SessionVerificationStatus.Unauthorised, null);
    internal static readonly SessionVerificationResult StoreUnavailable = new(SessionVerificationStatus.StoreUnavailable, null);

    internal SessionVerificationResult(SessionVerificationStatus status, SesameSession? session)
    {
        Status = status;
        Session = session;
    }

    /// <summary>What happened.</summary>
    public SessionVerificationStatus Status { get; }

    /// <summary>The session when <see cref="Status"/> is <see cref="SessionVerificationStatus.Valid"/>.</summary>
    public SesameSession? Session { get; }

    /// <summary>
    /// Valid, but the token was minted by a refresh and its child refresh token is not promoted yet (docs/protocol/rotation.md#verify-time-promotion): verification
    /// was read-only (an endpoint that needs no session), and <see cref="ISessionService.VerifySessionAsync"/> promotes it.
    /// </summary>
    internal bool PromotionPending { get; init; }
}

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

/// <summary>The result of <see cref="ISessionService.RefreshSessionAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Session">The refreshed session when <paramref name="Status"/> is <see cref="SessionRefreshStatus.Refreshed"/>.</param>
public sealed record SessionRefreshResult(SessionRefreshStatus Status, SesameSession? Session);
