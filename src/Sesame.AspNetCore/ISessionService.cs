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

    /// <summary>
    /// Verifies an access token that did not come with an HTTP request of this server's pipeline (a SignalR hub connection's token read
    /// earlier, a gRPC call's metadata, a token handed to a background job): the same checks as the request path (shape, signature, key,
    /// expiry) and the same refusal of a session ended on this instance (sign-out, revocation, theft), without reading the store.
    /// </summary>
    /// <remarks>
    /// Nothing is written and no token is sent anywhere: the first use of a refreshed token is not promoted (there is no response to
    /// carry the promoted token, docs/protocol/rotation.md#verify-time-promotion), so the answer for it is <see cref="SessionVerificationStatus.Valid"/>
    /// and the client's next request through the pipeline promotes it. There is no anti-CSRF check (that guards cookies a browser sends
    /// by itself; a token passed explicitly is a bearer token). <see cref="SessionVerificationStatus.TryRefresh"/> means the token expired
    /// or did not verify, <see cref="SessionVerificationStatus.NoSession"/> that it is not a session token at all,
    /// <see cref="SessionVerificationStatus.Unauthorised"/> that its session was ended on this instance (other instances accept its
    /// unexpired tokens, as on the request path: docs/security.md).
    /// </remarks>
    /// <param name="accessToken">The access token (the JWT, without a <c>Bearer</c> prefix).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<SessionVerificationResult> VerifyAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default);

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

    /// <summary>
    /// A session's server-only data: a JSON object kept in the store and never put in a token, so clients cannot read it (for the
    /// access-token payload, which they can, see <see cref="UpdateAccessTokenPayloadAsync(string, JsonObject, CancellationToken)"/>).
    /// </summary>
    /// <param name="sessionHandle">The session.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The data (an empty object until something is stored), or <see langword="null"/> when the session does not exist or
    /// has expired.</returns>
    Task<JsonObject?> GetSessionDataAsync(string sessionHandle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges <paramref name="changes"/> into a session's server-only data: each property is set, a <see langword="null"/> value
    /// deletes the key. Concurrent updates of one session do not lose each other's keys.
    /// </summary>
    /// <param name="sessionHandle">The session.</param>
    /// <param name="changes">The keys to set or delete.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session does not exist or has expired.</returns>
    Task<bool> UpdateSessionDataAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken = default);
}
