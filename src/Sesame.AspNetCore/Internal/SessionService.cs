using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The public <see cref="ISessionService"/>: a facade over the three parts of the server core, each with one job:
/// <see cref="SessionVerifier"/> (verification and verify-time promotion), <see cref="SessionRefresher"/> (the refresh endpoint's
/// rotation and theft rule) and <see cref="SessionAdministration"/> (create, end, update, list). The authentication scheme uses the
/// verifier directly, so replacing this service never changes how requests are authenticated.
/// </summary>
internal sealed class SessionService(SessionVerifier verifier, SessionRefresher refresher, SessionAdministration administration) : ISessionService
{
    public Task<SesameSession> CreateSessionAsync(HttpContext httpContext, string userId, JsonObject? accessTokenPayload = null,
        CancellationToken cancellationToken = default) =>
        administration.CreateSessionAsync(httpContext, userId, accessTokenPayload, cancellationToken);

    public Task<SessionVerificationResult> VerifySessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default) =>
        verifier.VerifySessionAsync(httpContext, cancellationToken);

    public Task<SessionVerificationResult> VerifyAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default) =>
        verifier.VerifyAccessTokenAsync(accessToken, cancellationToken);

    public Task<SessionRefreshResult> RefreshSessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default) =>
        refresher.RefreshAsync(httpContext, cancellationToken);

    public Task<bool> SignOutAsync(HttpContext httpContext, CancellationToken cancellationToken = default) =>
        administration.SignOutAsync(httpContext, cancellationToken);

    public Task<bool> RevokeSessionAsync(string sessionHandle, CancellationToken cancellationToken = default) =>
        administration.RevokeSessionAsync(sessionHandle, cancellationToken);

    public Task<IReadOnlyList<string>> RevokeAllSessionsForUserAsync(string userId, CancellationToken cancellationToken = default) =>
        administration.RevokeAllSessionsForUserAsync(userId, cancellationToken);

    public Task<bool> UpdateAccessTokenPayloadAsync(HttpContext httpContext, JsonObject changes, CancellationToken cancellationToken = default) =>
        administration.UpdateAccessTokenPayloadAsync(httpContext, changes, cancellationToken);

    public Task<bool> UpdateAccessTokenPayloadAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken = default) =>
        administration.UpdateAccessTokenPayloadAsync(sessionHandle, changes, cancellationToken);

    public Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        administration.ListSessionsAsync(userId, cancellationToken);

    public Task<SessionInfo?> GetSessionInfoAsync(string sessionHandle, CancellationToken cancellationToken = default) =>
        administration.GetSessionInfoAsync(sessionHandle, cancellationToken);

    public Task<JsonObject?> GetSessionDataAsync(string sessionHandle, CancellationToken cancellationToken = default) =>
        administration.GetSessionDataAsync(sessionHandle, cancellationToken);

    public Task<bool> UpdateSessionDataAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken = default) =>
        administration.UpdateSessionDataAsync(sessionHandle, changes, cancellationToken);
}
