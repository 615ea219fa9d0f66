using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Session administration over the store: create a session (login), end one (sign-out, revocation, revoke-all), update the
/// access-token payload and the server-only session data, list and look up sessions, and keep a user within
/// <see cref="SesameServerOptions.MaxSessionsPerUser"/>. Verification and refresh live in <see cref="SessionVerifier"/> and
/// <see cref="SessionRefresher"/>.
/// </summary>
internal sealed class SessionAdministration(
    ISessionStore store,
    StoreInitializer initializer,
    AccessTokenService accessTokens,
    RefreshTokenCodec refreshTokens,
    TokenTransport transport,
    SesameSettings settings,
    RevokedSessions revoked,
    PromotedTokenCache promoted,
    SessionVerifier verifier,
    SesameMetrics metrics,
    TimeProvider time,
    ILogger<SessionAdministration> logger)
{
    // Lost compare-and-sets of one session's data in a row before giving up (each loss means another update landed).
    private const int MaxSessionDataAttempts = 20;

    public async Task<SesameSession> CreateSessionAsync(HttpContext httpContext, string userId, JsonObject? accessTokenPayload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        accessTokenPayload = await Claims.SessionClaimsRunner.AddClaimsOnCreationAsync(settings.Options.Claims, time, httpContext, userId, accessTokenPayload, cancellationToken).ConfigureAwait(false);
        var customClaims = accessTokenPayload is null ? "{}" : CheckedCustomClaims(accessTokenPayload);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        var request = httpContext.Request;
        var method = TokenTransport.RequestedMethod(request);
        var sessionHandle = Guid.NewGuid().ToString();
        var antiCsrf = NewAntiCsrfToken(settings, method);
        var refreshToken = await refreshTokens.CreateAsync(sessionHandle, null, antiCsrf, cancellationToken).ConfigureAwait(false);
        var refreshTokenHash1 = TokenCrypto.Sha256Hex(refreshToken);
        var now = time.GetUtcNow();
        var expiresAt = now + settings.Options.RefreshTokenLifetime;
        // Sign before storing: a key problem then leaves no orphan row.
        var session = await accessTokens.CreateAsync(
            new AccessTokenClaims(userId, sessionHandle, refreshTokenHash1, null, antiCsrf, customClaims, settings.Issuer(request)),
            method, accessTokens.ExpiryWithin(expiresAt), cancellationToken).ConfigureAwait(false);
        var client = ClientInfo.From(httpContext, settings.Options.RecordClientInfo);
        await store.CreateAsync(
            new StoredSession(sessionHandle, userId, TokenCrypto.Sha256Hex(refreshTokenHash1), customClaims, "{}", now, expiresAt)
            {
                UserAgent = client.UserAgent,
                IpAddress = client.IpAddress,
            },
            cancellationToken).ConfigureAwait(false);
        if (settings.Options.MaxSessionsPerUser is { } cap)
        {
            await EnforceSessionCapAsync(userId, sessionHandle, cap, cancellationToken).ConfigureAwait(false);
        }

        // Tokens of the other transfer method are cleared if the request carried an access token that way (docs/protocol/wire-format.md#token-transfer-methods).
        if (method == TokenTransferMethod.Cookie && TokenTransport.ReadBearer(request) is not null)
        {
            transport.Clear(httpContext, TokenTransferMethod.Header);
        }
        else if (method == TokenTransferMethod.Header && request.Cookies.ContainsKey(TokenTransport.AccessTokenCookie))
        {
            transport.Clear(httpContext, TokenTransferMethod.Cookie);
        }

        transport.WriteTokens(httpContext, session, refreshToken, expiresAt, antiCsrf);
        SessionVerifier.SetSession(httpContext, session);
        Log.SessionCreated(logger, sessionHandle, userId);
        metrics.SessionCreated();
        return session;
    }

    /// <summary>
    /// Ends the user's oldest sessions beyond <paramref name="cap"/>, after <paramref name="newSessionHandle"/> was stored. Oldest is by
    /// creation time, then handle; the new session counts as the newest of its millisecond and is never ended here. Run after the
    /// insert, two logins at once both count each other, so they end the same old sessions and the user keeps <paramref name="cap"/>.
    /// </summary>
    private async Task EnforceSessionCapAsync(string userId, string newSessionHandle, int cap, CancellationToken cancellationToken)
    {
        var rows = await store.ListByUserAsync(userId, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (rows.Count <= cap)
        {
            return;
        }

        var oldestFirst = rows
            .OrderBy(static row => row.CreatedAt)
            .ThenBy(row => row.SessionHandle == newSessionHandle ? 1 : 0)
            .ThenBy(static row => row.SessionHandle, StringComparer.Ordinal)
            .ToList();
        foreach (var row in oldestFirst.Take(oldestFirst.Count - cap))
        {
            if (row.SessionHandle != newSessionHandle)
            {
                await EndSessionAsync(row.SessionHandle, "session_cap", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<bool> SignOutAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        // Read-only: promoting a child token that is about to be revoked would be a wasted write.
        var verification = await verifier.VerifyWithoutPromotionAsync(httpContext).ConfigureAwait(false);
        if (verification.Session is not { } session)
        {
            return false;
        }

        await EndSessionAsync(session.SessionHandle, "sign_out", cancellationToken).ConfigureAwait(false);
        transport.Clear(httpContext, session.TransferMethod);
        SessionVerifier.ClearSession(httpContext);
        return true;
    }

    public Task<bool> RevokeSessionAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        return EndSessionAsync(sessionHandle, "revoke", cancellationToken);
    }

    /// <summary>
    /// Ends a session: deletes its row and refuses its access tokens on this instance from now on (<see cref="RevokedSessions"/>). Every
    /// path that ends a session (sign-out, revocation, refusal at refresh, theft) goes through here. <paramref name="reason"/> tags the metric.
    /// </summary>
    public async Task<bool> EndSessionAsync(string sessionHandle, string reason, CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await store.DeleteAsync(sessionHandle, cancellationToken).ConfigureAwait(false);

        // Refused on this instance from now on, also when the row was gone already (revoked elsewhere, or expired). Only once the store
        // answered: a sign-out that failed (503) keeps the session, and the client may try again.
        revoked.Add(sessionHandle);
        if (deleted)
        {
            Log.SessionRevoked(logger, sessionHandle);
            metrics.SessionsRevoked(1, reason);
        }

        return deleted;
    }

    public async Task<IReadOnlyList<string>> RevokeAllSessionsForUserAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var handles = await store.DeleteByUserAsync(userId, cancellationToken).ConfigureAwait(false);
        revoked.AddRange(handles);
        foreach (var handle in handles)
        {
            Log.SessionRevoked(logger, handle);
        }

        metrics.SessionsRevoked(handles.Count, "revoke_all");
        return handles;
    }

    public async Task<bool> UpdateAccessTokenPayloadAsync(HttpContext httpContext, JsonObject changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(changes);
        var session = httpContext.GetSesameSession()
            ?? throw new InvalidOperationException("UpdateAccessTokenPayloadAsync(HttpContext, ...) needs a request with a verified Sesame session.");
        var merged = await MergeAndStoreAsync(session.SessionHandle, changes, cancellationToken).ConfigureAwait(false);
        if (merged is null)
        {
            transport.ClearAll(httpContext);
            httpContext.Features.Set<SesameSession>(null);
            return false;
        }

        // An unexpired token is re-signed with the same expiry; an expired one gets the payload at its next refresh.
        if (session.ExpiresAtSeconds * 1000 >= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            var updated = await accessTokens.CreateAsync(
                new AccessTokenClaims(session.UserId, session.SessionHandle, session.RefreshTokenHash1, session.ParentRefreshTokenHash1,
                    session.AntiCsrfToken, merged, settings.Issuer(httpContext.Request)),
                session.TransferMethod, session.ExpiresAtSeconds, cancellationToken).ConfigureAwait(false);
            transport.WriteTokens(httpContext, updated, null, default, null);
            SessionVerifier.SetSession(httpContext, updated);
        }

        return true;
    }

    public async Task<bool> UpdateAccessTokenPayloadAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        ArgumentNullException.ThrowIfNull(changes);
        return await MergeAndStoreAsync(sessionHandle, changes, cancellationToken).ConfigureAwait(false) is not null;
    }

    private async Task<string?> MergeAndStoreAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
        if (row is null || row.ExpiresAt <= time.GetUtcNow())
        {
            return null;
        }

        var payload = JsonNode.Parse(row.AccessTokenPayloadJson) as JsonObject ?? [];
        foreach (var (name, value) in changes)
        {
            if (AccessTokenService.Reserved.Contains(name) || name == "iss")
            {
                continue;
            }

            if (value is null)
            {
                payload.Remove(name);
            }
            else
            {
                payload[name] = value.DeepClone();
            }
        }

        var json = payload.ToJsonString();
        if (!await store.UpdatePayloadAsync(sessionHandle, json, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // Tokens minted when this session's child tokens were promoted carry the old payload: never hand them out again.
        promoted.Forget(sessionHandle);
        return json;
    }

    public async Task<JsonObject?> GetSessionDataAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
        return row is null || row.ExpiresAt <= time.GetUtcNow() ? null : JsonNode.Parse(row.SessionDataJson) as JsonObject ?? [];
    }

    public async Task<bool> UpdateSessionDataAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        ArgumentNullException.ThrowIfNull(changes);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        // Read, merge, compare-and-set; a write lost to a concurrent update re-reads and merges again, so neither loses its keys.
        for (var attempt = 0; ; attempt++)
        {
            var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
            if (row is null || row.ExpiresAt <= time.GetUtcNow())
            {
                return false;
            }

            var data = JsonNode.Parse(row.SessionDataJson) as JsonObject ?? [];
            foreach (var (name, value) in changes)
            {
                if (value is null)
                {
                    data.Remove(name);
                }
                else
                {
                    data[name] = value.DeepClone();
                }
            }

            if (await store.TryUpdateSessionDataAsync(sessionHandle, row.SessionDataJson, data.ToJsonString(), cancellationToken)
                    .ConfigureAwait(false))
            {
                return true;
            }

            if (attempt == MaxSessionDataAttempts)
            {
                throw new InvalidOperationException(
                    $"The session data kept changing under {MaxSessionDataAttempts + 1} consecutive updates; try again.");
            }
        }
    }

    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var rows = await store.ListByUserAsync(userId, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var sessions = new List<SessionInfo>(rows.Count);
        foreach (var row in rows)
        {
            sessions.Add(ToInfo(row));
        }

        return sessions;
    }

    public async Task<SessionInfo?> GetSessionInfoAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
        return row is null || row.ExpiresAt <= time.GetUtcNow() ? null : ToInfo(row);
    }

    private static SessionInfo ToInfo(StoredSession row) =>
        new(row.SessionHandle, row.UserId, JsonNode.Parse(row.AccessTokenPayloadJson) as JsonObject ?? [], row.CreatedAt, row.ExpiresAt)
        {
            LastRefreshedAt = row.LastRefreshedAt,
            UserAgent = row.UserAgent,
            IpAddress = row.IpAddress,
        };

    private static string CheckedCustomClaims(JsonObject payload)
    {
        foreach (var (name, _) in payload)
        {
            if (AccessTokenService.Reserved.Contains(name))
            {
                throw new ArgumentException(
                    $"The access-token payload may not set the reserved claim '{name}'. Reserved: {string.Join(", ", AccessTokenService.Reserved.Names)}.",
                    nameof(payload));
            }
        }

        // iss is not reserved but always set by the server (docs/protocol/rotation.md#verification), so a custom one is dropped rather than stored.
        if (!payload.ContainsKey("iss"))
        {
            return payload.ToJsonString();
        }

        var copy = (JsonObject)payload.DeepClone();
        copy.Remove("iss");
        return copy.ToJsonString();
    }

    /// <summary>A new anti-CSRF token when the request's transfer method and the configured mode need one (cookies, token mode).</summary>
    internal static string? NewAntiCsrfToken(SesameSettings settings, TokenTransferMethod method) =>
        method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaToken ? Guid.NewGuid().ToString() : null;
}
