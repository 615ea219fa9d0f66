using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>The session algorithms of docs/protocol/rotation.md and docs/protocol/wire-format.md over an <see cref="ISessionStore"/>.</summary>
internal sealed class SessionService(
    ISessionStore store,
    StoreInitializer initializer,
    AccessTokenService accessTokens,
    RefreshTokenCodec refreshTokens,
    TokenTransport transport,
    SesameSettings settings,
    RevokedSessions revoked,
    TimeProvider time,
    ILogger<SessionService> logger,
    IMeterFactory? meterFactory = null) : ISessionService
{
    private readonly SesameMetrics _metrics = new(meterFactory);

    private const string RidHeader = "rid";

    // A compare-and-set lost to a concurrent request is re-evaluated; more losses than this in a row mean a storm.
    private const int MaxCasAttempts = 5;

    private readonly PromotedTokenCache _promoted = new(time);

    private readonly PromotionFlight _promotionFlight = new();

    public async Task<SesameSession> CreateSessionAsync(HttpContext httpContext, string userId, JsonObject? accessTokenPayload = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        accessTokenPayload = await Claims.SessionClaimsRunner.AddClaimsOnCreationAsync(settings.Options.Claims, time, httpContext, userId, accessTokenPayload, cancellationToken).ConfigureAwait(false);
        var customClaims = accessTokenPayload is null ? "{}" : CheckedCustomClaims(accessTokenPayload);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        var request = httpContext.Request;
        var method = TokenTransport.RequestedMethod(request);
        var sessionHandle = Guid.NewGuid().ToString();
        var antiCsrf = NewAntiCsrfToken(method);
        var refreshToken = await refreshTokens.CreateAsync(sessionHandle, null, antiCsrf, cancellationToken).ConfigureAwait(false);
        var refreshTokenHash1 = TokenCrypto.Sha256Hex(refreshToken);
        var now = time.GetUtcNow();
        var expiresAt = now + settings.Options.RefreshTokenLifetime;
        // Sign before storing: a key problem then leaves no orphan row.
        var session = await accessTokens.CreateAsync(
            new AccessTokenClaims(userId, sessionHandle, refreshTokenHash1, null, antiCsrf, customClaims, settings.Issuer(request)),
            method, AccessTokenExpiry(expiresAt), cancellationToken).ConfigureAwait(false);
        await store.CreateAsync(
            new StoredSession(sessionHandle, userId, TokenCrypto.Sha256Hex(refreshTokenHash1), customClaims, "{}", now, expiresAt),
            cancellationToken).ConfigureAwait(false);

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
        SetSession(httpContext, session);
        Log.SessionCreated(logger, sessionHandle, userId);
        _metrics.SessionCreated();
        return session;
    }

    public async Task<SessionVerificationResult> VerifySessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var result = await VerifyWithoutPromotionAsync(httpContext).ConfigureAwait(false);
        if (!result.PromotionPending)
        {
            return result;
        }

        // The app (or an endpoint that requires a session) asked: the first use of a refreshed token promotes it here.
        var session = result.Session!;
        try
        {
            result = await PromoteAsync(httpContext, session, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            Log.VerifyStoreUnavailable(logger, session.SessionHandle, ex);
            result = SessionVerificationResult.StoreUnavailable;
        }

        Remember(httpContext, result);
        return result;
    }

    /// <summary>
    /// Verifies the request's access token without writing anything: no promotion (a refreshed token's first use answers Valid with
    /// <see cref="SessionVerificationResult.PromotionPending"/>), no tokens in the response. What the authentication handler runs on
    /// endpoints that do not require a session, so an anonymous request cannot write to the store or hand out tokens (e.g. of a session
    /// that a concurrent sign-out is removing). Once per request: the result is kept in the request's features.
    /// </summary>
    internal ValueTask<SessionVerificationResult> VerifyWithoutPromotionAsync(HttpContext httpContext)
    {
        if (httpContext.Features.Get<SessionVerificationResult>() is { } known)
        {
            return new(known);
        }

        // The hot path: a header token verified before is looked up by the header's characters (no copy, no parse, no await).
        var request = httpContext.Request;
        if (TokenTransport.TryReadBearer(request, out var bearer) && accessTokens.TryCheckCached(bearer, TokenTransferMethod.Header, out var cached))
        {
            var result = Decide(request, cached);
            Remember(httpContext, result);
            return new(result);
        }

        return VerifyUncachedAsync(httpContext);
    }

    private async ValueTask<SessionVerificationResult> VerifyUncachedAsync(HttpContext httpContext)
    {
        var result = await VerifyCoreAsync(httpContext).ConfigureAwait(false);
        Remember(httpContext, result);
        return result;
    }

    private static void Remember(HttpContext httpContext, SessionVerificationResult result)
    {
        // "No token at all" is not stored: verifying it again is as cheap as reading the feature, and most anonymous requests are that.
        if (ReferenceEquals(result, SessionVerificationResult.NoSession))
        {
            return;
        }

        httpContext.Features.Set(result);
        if (result.Session is not null)
        {
            httpContext.Features.Set(result.Session);
        }
    }

    private async ValueTask<SessionVerificationResult> VerifyCoreAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        AccessTokenCheck check = default;
        var bearer = TokenTransport.ReadBearer(request);
        if (bearer is not null)
        {
            check = await accessTokens.VerifyAsync(bearer, TokenTransferMethod.Header).ConfigureAwait(false);
        }

        // A header that is not one of our tokens (an app's own Authorization) is ignored, and the cookie is tried.
        if (bearer is null || check.Status == AccessTokenStatus.Unusable)
        {
            if (request.Headers.Cookie.Count > 0)
            {
                var cookies = request.Cookies;
                // A pre-2022 server's id-refresh cookie: the client must refresh once to migrate (docs/protocol/wire-format.md#legacy-cookie-migration).
                if (cookies.ContainsKey(TokenTransport.LegacyIdRefreshTokenCookie))
                {
                    return Rejected(SessionVerificationResult.TryRefresh, "legacy sIdRefreshToken cookie present");
                }

                if (cookies.TryGetValue(TokenTransport.AccessTokenCookie, out var cookieToken) && !string.IsNullOrEmpty(cookieToken))
                {
                    if (TokenTransport.HasDuplicateCookie(request, TokenTransport.AccessTokenCookie))
                    {
                        return Rejected(SessionVerificationResult.TryRefresh, "several sAccessToken cookies");
                    }

                    check = await accessTokens.VerifyAsync(cookieToken, TokenTransferMethod.Cookie).ConfigureAwait(false);
                }
            }
        }

        return Decide(request, check);
    }

    /// <summary>The protocol's answer for a checked token (docs/protocol/rotation.md#verification): status, then anti-CSRF for cookies. Never writes.</summary>
    private SessionVerificationResult Decide(HttpRequest request, in AccessTokenCheck check)
    {
        switch (check.Status)
        {
            case AccessTokenStatus.TryRefresh:
                return Rejected(SessionVerificationResult.TryRefresh, check.Reason!);
            case AccessTokenStatus.Unusable:
                return check.Reason is null ? SessionVerificationResult.NoSession : Rejected(SessionVerificationResult.NoSession, check.Reason);
        }

        var session = check.Session!;
        // Ended on this instance (sign-out, revocation, theft): refused at once, though the token itself still verifies.
        if (revoked.Contains(session.SessionHandle))
        {
            return Rejected(SessionVerificationResult.Unauthorised, "session was revoked");
        }

        if (session.TransferMethod == TokenTransferMethod.Cookie && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
            && !AntiCsrfPasses(request, session.AntiCsrfToken))
        {
            return Rejected(SessionVerificationResult.TryRefresh, "anti-CSRF check failed");
        }

        // Shared by every request with this token; PromotionPending when it still carries a parent hash (docs/protocol/rotation.md#verify-time-promotion).
        return session.ValidResult;
    }

    private bool AntiCsrfPasses(HttpRequest request, string? claim) => settings.AntiCsrf switch
    {
        AntiCsrfMode.ViaCustomHeader => request.Headers.ContainsKey(RidHeader),
        AntiCsrfMode.ViaToken => request.Headers.TryGetValue(TokenTransport.AntiCsrfHeader, out var header) && header.Count == 1
            && TokenCrypto.FixedTimeEquals(header[0], claim),
        _ => true,
    };

    /// <summary>
    /// First use of an access token minted by a refresh (docs/protocol/rotation.md#verify-time-promotion): the only database
    /// step of verification. Promotes the child refresh token and sends an access token without a parent hash, so
    /// later requests skip this step.
    /// </summary>
    private async Task<SessionVerificationResult> PromoteAsync(HttpContext httpContext, SesameSession session, CancellationToken cancellationToken)
    {
        // Ended on this instance after this request's token was verified (the result is kept for the request): no token for it.
        if (revoked.Contains(session.SessionHandle))
        {
            return Rejected(SessionVerificationResult.Unauthorised, "session was revoked");
        }

        // This child token was promoted already (the row holds it): answer with the token minted then, without a database
        // round-trip, exactly as verification of that fresh token would (a burst of requests after a refresh hits this).
        if (_promoted.TryGetPromoted(session) is { } alreadyPromoted)
        {
            transport.WriteTokens(httpContext, alreadyPromoted, null, default, null);
            return new SessionVerificationResult(SessionVerificationStatus.Valid, alreadyPromoted);
        }

        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        // Requests carrying this child token at the same time share one promotion (one row read, one compare-and-set, one signature):
        // a client re-sends all its waiting requests at once after a refresh, and SQLite runs their writes one at a time.
        var outcome = await _promotionFlight.JoinOrStartAsync(session.SessionHandle, session.RefreshTokenHash1,
            (Service: this, Child: session, Issuer: settings.Issuer(httpContext.Request)),
            static state => state.Service.PromoteInStoreAsync(state.Child, state.Issuer),
            cancellationToken).ConfigureAwait(false);

        // Ended while this request waited for the promotion: no token for it.
        if (revoked.Contains(session.SessionHandle))
        {
            return Rejected(SessionVerificationResult.Unauthorised, "session was revoked");
        }

        switch (outcome.Kind)
        {
            case PromotionOutcomeKind.SessionGone:
                return Rejected(SessionVerificationResult.Unauthorised, "session no longer exists");
            case PromotionOutcomeKind.KeptLosing:
                return Rejected(SessionVerificationResult.TryRefresh, "refresh-token promotion kept losing to concurrent requests");
            case PromotionOutcomeKind.StaleBranch:
                // A stale branch (a sibling was promoted): accepted unchanged until it expires, as the reference does.
                return new SessionVerificationResult(SessionVerificationStatus.Valid, session);
        }

        // The same child token sent the other way (cookie vs header) gets its own token in that transfer method.
        var fresh = outcome.Fresh!.TransferMethod == session.TransferMethod
            ? outcome.Fresh
            : await accessTokens.CreateAsync(PromotedClaims(session, outcome.AccessTokenPayloadJson!, settings.Issuer(httpContext.Request)),
                session.TransferMethod, outcome.Fresh!.ExpiresAtSeconds, CancellationToken.None).ConfigureAwait(false);
        transport.WriteTokens(httpContext, fresh, null, default, null);
        return new SessionVerificationResult(SessionVerificationStatus.Valid, fresh);
    }

    /// <summary>
    /// The store side of a promotion, shared by every request in its flight (hence no cancellation token: the request that started it
    /// may go away first): promote the child refresh token with a compare-and-set, then sign the fresh access token once and remember it
    /// for the requests that arrive after the flight.
    /// </summary>
    private async Task<PromotionOutcome> PromoteInStoreAsync(SesameSession child, string issuer)
    {
        var currentHash2 = TokenCrypto.Sha256Hex(child.RefreshTokenHash1);
        var parentHash2 = TokenCrypto.Sha256Hex(child.ParentRefreshTokenHash1!);
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var row = await store.FindAsync(child.SessionHandle, CancellationToken.None).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (row is null || row.ExpiresAt <= now)
            {
                return new PromotionOutcome(PromotionOutcomeKind.SessionGone, null, null);
            }

            var sessionExpiresAt = row.ExpiresAt;
            if (TokenCrypto.FixedTimeEquals(parentHash2, row.RefreshTokenHash2))
            {
                sessionExpiresAt = now + settings.Options.RefreshTokenLifetime;
                if (!await store.TryRotateAsync(row.SessionHandle, row.RefreshTokenHash2, currentHash2, sessionExpiresAt,
                        CancellationToken.None).ConfigureAwait(false))
                {
                    continue; // another instance changed the row first: read it again and decide anew
                }
            }
            else if (!TokenCrypto.FixedTimeEquals(currentHash2, row.RefreshTokenHash2))
            {
                return new PromotionOutcome(PromotionOutcomeKind.StaleBranch, null, null);
            }

            // The row holds this child token now (promoted here or earlier): sign the fresh token once, before the flight ends, so no
            // request falls between the flight and the cache.
            var fresh = await accessTokens.CreateAsync(PromotedClaims(child, row.AccessTokenPayloadJson, issuer), child.TransferMethod,
                AccessTokenExpiry(sessionExpiresAt), CancellationToken.None).ConfigureAwait(false);

            // A sign-out or revocation on this instance that overtook this promotion: nothing to remember or hand out.
            if (revoked.Contains(child.SessionHandle))
            {
                return new PromotionOutcome(PromotionOutcomeKind.SessionGone, null, null);
            }

            _promoted.Remember(child, fresh);
            return new PromotionOutcome(PromotionOutcomeKind.Current, row.AccessTokenPayloadJson, fresh);
        }

        return new PromotionOutcome(PromotionOutcomeKind.KeptLosing, null, null);
    }

    /// <summary>
    /// The expiry of a new access token: one lifetime from now, but never after its session's end (a session configured shorter than an
    /// access token, or a refresh near the session's end), so that no access token outlives its session. A session's end only ever moves later.
    /// </summary>
    private long AccessTokenExpiry(DateTimeOffset sessionExpiresAt) =>
        Math.Min((time.GetUtcNow() + settings.Options.AccessTokenLifetime).ToUnixTimeSeconds(), sessionExpiresAt.ToUnixTimeSeconds());

    private static AccessTokenClaims PromotedClaims(SesameSession child, string payloadJson, string issuer) =>
        new(child.UserId, child.SessionHandle, child.RefreshTokenHash1, null, child.AntiCsrfToken, payloadJson, issuer);

    public async Task<SessionRefreshResult> RefreshSessionAsync(HttpContext httpContext, CancellationToken cancellationToken = default)
    {
        // One span and one metric per refresh (docs/observability.md); both cost nothing when nobody listens.
        using var activity = SesameActivitySource.Instance.StartActivity(SesameActivitySource.RefreshActivityName);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error"; // kept only if something unexpected (e.g. cancellation) escapes
        try
        {
            var result = await RefreshCoreAsync(httpContext, cancellationToken).ConfigureAwait(false);
            outcome = result.Status switch
            {
                SessionRefreshStatus.Refreshed => RefreshOutcomes.Refreshed,
                SessionRefreshStatus.TokenTheftDetected => RefreshOutcomes.TokenTheft,
                SessionRefreshStatus.DuplicateSessionCookies or SessionRefreshStatus.OlderDomainCookiesCleared => RefreshOutcomes.DuplicateCookies,
                _ => RefreshOutcomes.Unauthorised,
            };
            return result;
        }
        catch (SessionStoreUnavailableException)
        {
            outcome = RefreshOutcomes.StoreUnavailable;
            throw;
        }
        finally
        {
            _metrics.RefreshHandled(outcome, started);
            if (activity is not null)
            {
                activity.SetTag("sesame.outcome", outcome);
                if (outcome != RefreshOutcomes.Refreshed)
                {
                    activity.SetStatus(ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    private async Task<SessionRefreshResult> RefreshCoreAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var request = httpContext.Request;
        var method = TokenTransferMethod.Header;
        var token = TokenTransport.ReadBearer(request);
        if (token is null)
        {
            method = TokenTransferMethod.Cookie;

            // Two cookies of one name (an old and a new cookie domain): the Cookie header does not say which is which, so
            // neither is used (docs/protocol/wire-format.md#cookies).
            if (TokenTransport.HasDuplicateCookie(request, TokenTransport.RefreshTokenCookie)
                || TokenTransport.HasDuplicateCookie(request, TokenTransport.AccessTokenCookie))
            {
                return DuplicateCookies(httpContext);
            }

            token = request.Cookies[TokenTransport.RefreshTokenCookie];
        }

        if (string.IsNullOrEmpty(token))
        {
            return Unauthorised(httpContext, "no refresh token");
        }

        if (method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaCustomHeader && !request.Headers.ContainsKey(RidHeader))
        {
            return Unauthorised(httpContext, "rid header missing");
        }

        var content = await refreshTokens.TryReadAsync(token, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return Unauthorised(httpContext, "refresh token is not one of ours");
        }

        if (method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaToken && content.AntiCsrfToken is not null
            && !(request.Headers.TryGetValue(TokenTransport.AntiCsrfHeader, out var antiCsrfHeader) && antiCsrfHeader.Count == 1
                && TokenCrypto.FixedTimeEquals(antiCsrfHeader[0], content.AntiCsrfToken)))
        {
            return Unauthorised(httpContext, "anti-CSRF token mismatch");
        }

        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var refreshTokenHash1 = TokenCrypto.Sha256Hex(token);
        var refreshTokenHash2 = TokenCrypto.Sha256Hex(refreshTokenHash1);
        var parentHash2 = content.ParentRefreshTokenHash1 is null ? null : TokenCrypto.Sha256Hex(content.ParentRefreshTokenHash1);
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var row = await store.FindAsync(content.SessionHandle, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (row is null || row.ExpiresAt <= now)
            {
                return Unauthorised(httpContext, "session no longer exists");
            }

            // The current token: no write; the client may retry it until a child is used (a lost response is harmless).
            if (TokenCrypto.FixedTimeEquals(refreshTokenHash2, row.RefreshTokenHash2))
            {
                if (await RefusedByAppAsync(httpContext, row, cancellationToken).ConfigureAwait(false) is { } refused)
                {
                    return refused;
                }

                return await IssueChildAsync(httpContext, method, row, refreshTokenHash1, row.ExpiresAt, cancellationToken).ConfigureAwait(false);
            }

            // An unpromoted child of the current token: promote it, then continue as with the current token.
            if (parentHash2 is not null && TokenCrypto.FixedTimeEquals(parentHash2, row.RefreshTokenHash2))
            {
                if (await RefusedByAppAsync(httpContext, row, cancellationToken).ConfigureAwait(false) is { } refused)
                {
                    return refused;
                }

                var expiresAt = now + settings.Options.RefreshTokenLifetime;
                if (await store.TryRotateAsync(row.SessionHandle, row.RefreshTokenHash2, refreshTokenHash2, expiresAt, cancellationToken)
                        .ConfigureAwait(false))
                {
                    return await IssueChildAsync(httpContext, method, row, refreshTokenHash1, expiresAt, cancellationToken).ConfigureAwait(false);
                }

                continue; // another request changed the row first: read it again and decide anew
            }

            // Neither current nor its child: a superseded token was replayed. Revoke the session (docs/protocol/rotation.md#theft-detection).
            var deleted = await store.DeleteAsync(row.SessionHandle, cancellationToken).ConfigureAwait(false);
            revoked.Add(row.SessionHandle);
            Log.TokenTheftDetected(logger, row.SessionHandle, row.UserId);
            _metrics.TokenTheftDetected();
            _metrics.SessionsRevoked(deleted ? 1 : 0, "token_theft");
            transport.ClearAll(httpContext);
            await settings.Options.Events.OnTokenTheftDetected(new SesameSessionEventContext(httpContext, row.SessionHandle, row.UserId))
                .ConfigureAwait(false);
            return new SessionRefreshResult(SessionRefreshStatus.TokenTheftDetected, null);
        }

        return Unauthorised(httpContext, "refresh kept losing to concurrent requests");
    }

    /// <summary>
    /// Raises <see cref="SesameEvents.OnRefreshing"/>; when a handler rejects the refresh, revokes the session and answers unauthorised
    /// (null = go on). The app's rule (a deleted or locked user, a changed security stamp) holds before any write.
    /// </summary>
    private async Task<SessionRefreshResult?> RefusedByAppAsync(HttpContext httpContext, StoredSession row, CancellationToken cancellationToken)
    {
        var context = new SesameRefreshingContext(httpContext, row.SessionHandle, row.UserId, row.AccessTokenPayloadJson);
        await settings.Options.Events.OnRefreshing(context).ConfigureAwait(false);
        if (!context.IsRejected)
        {
            return null;
        }

        var revoked = await store.DeleteAsync(row.SessionHandle, cancellationToken).ConfigureAwait(false);
        _metrics.SessionsRevoked(revoked ? 1 : 0, "refresh_rejected");
        return Unauthorised(httpContext, "rejected by OnRefreshing: " + context.RejectionReason);
    }

    private async Task<SessionRefreshResult> IssueChildAsync(HttpContext httpContext, TokenTransferMethod method, StoredSession row,
        string parentRefreshTokenHash1, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        var antiCsrf = NewAntiCsrfToken(method);
        var child = await refreshTokens.CreateAsync(row.SessionHandle, parentRefreshTokenHash1, antiCsrf, cancellationToken).ConfigureAwait(false);
        var session = await accessTokens.CreateAsync(
            new AccessTokenClaims(row.UserId, row.SessionHandle, TokenCrypto.Sha256Hex(child), parentRefreshTokenHash1, antiCsrf,
                row.AccessTokenPayloadJson, settings.Issuer(request)),
            method, AccessTokenExpiry(expiresAt), cancellationToken).ConfigureAwait(false);

        // The other method's refresh token, if the request carried one too, is cleared (its front-token is overwritten below).
        if (method == TokenTransferMethod.Header && request.Cookies.ContainsKey(TokenTransport.RefreshTokenCookie))
        {
            transport.Clear(httpContext, TokenTransferMethod.Cookie);
        }

        transport.ClearLegacyIdRefreshToken(httpContext);
        transport.WriteTokens(httpContext, session, child, expiresAt, antiCsrf);
        SetSession(httpContext, session);
        await settings.Options.Events.OnSessionRefreshed(new SesameSessionEventContext(httpContext, row.SessionHandle, row.UserId))
            .ConfigureAwait(false);
        return new SessionRefreshResult(SessionRefreshStatus.Refreshed, session);
    }

    public async Task<bool> SignOutAsync(HttpContext httpContext, CancellationToken cancellationToken = default)
    {
        // Read-only: promoting a child token that is about to be revoked would be a wasted write.
        var verification = await VerifyWithoutPromotionAsync(httpContext).ConfigureAwait(false);
        if (verification.Session is not { } session)
        {
            return false;
        }

        await RevokeCoreAsync(session.SessionHandle, "sign_out", cancellationToken).ConfigureAwait(false);
        transport.Clear(httpContext, session.TransferMethod);
        httpContext.Features.Set<SesameSession>(null);
        httpContext.Features.Set<SessionVerificationResult>(SessionVerificationResult.NoSession);
        return true;
    }

    public Task<bool> RevokeSessionAsync(string sessionHandle, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        return RevokeCoreAsync(sessionHandle, "revoke", cancellationToken);
    }

    private async Task<bool> RevokeCoreAsync(string sessionHandle, string reason, CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await store.DeleteAsync(sessionHandle, cancellationToken).ConfigureAwait(false);

        // Refused on this instance from now on, also when the row was gone already (revoked elsewhere, or expired). Only once the store
        // answered: a sign-out that failed (503) keeps the session, and the client may try again.
        revoked.Add(sessionHandle);
        if (deleted)
        {
            Log.SessionRevoked(logger, sessionHandle);
            _metrics.SessionsRevoked(1, reason);
        }

        return deleted;
    }

    public async Task<IReadOnlyList<string>> RevokeAllSessionsForUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var handles = await store.DeleteByUserAsync(userId, cancellationToken).ConfigureAwait(false);
        revoked.AddRange(handles);
        foreach (var handle in handles)
        {
            Log.SessionRevoked(logger, handle);
        }

        _metrics.SessionsRevoked(handles.Count, "revoke_all");
        return handles;
    }

    public async Task<bool> UpdateAccessTokenPayloadAsync(HttpContext httpContext, JsonObject changes, CancellationToken cancellationToken = default)
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
            SetSession(httpContext, updated);
        }

        return true;
    }

    public async Task<bool> UpdateAccessTokenPayloadAsync(string sessionHandle, JsonObject changes, CancellationToken cancellationToken = default)
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
        _promoted.Forget(sessionHandle);
        return json;
    }

    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(string userId, CancellationToken cancellationToken = default)
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

    public async Task<SessionInfo?> GetSessionInfoAsync(string sessionHandle, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionHandle);
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var row = await store.FindAsync(sessionHandle, cancellationToken).ConfigureAwait(false);
        return row is null || row.ExpiresAt <= time.GetUtcNow() ? null : ToInfo(row);
    }

    private static SessionInfo ToInfo(StoredSession row) =>
        new(row.SessionHandle, row.UserId, JsonNode.Parse(row.AccessTokenPayloadJson) as JsonObject ?? [], row.CreatedAt, row.ExpiresAt);

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

    private string? NewAntiCsrfToken(TokenTransferMethod method) =>
        method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaToken ? Guid.NewGuid().ToString() : null;

    private static void SetSession(HttpContext httpContext, SesameSession session)
    {
        httpContext.Features.Set(session);
        httpContext.Features.Set(new SessionVerificationResult(SessionVerificationStatus.Valid, session));
    }

    private SessionRefreshResult DuplicateCookies(HttpContext httpContext)
    {
        if (settings.OlderCookieDomain is not { } olderDomain)
        {
            Log.DuplicateSessionCookies(logger);
            return new SessionRefreshResult(SessionRefreshStatus.DuplicateSessionCookies, null);
        }

        transport.ClearOlderDomainCookies(httpContext, olderDomain);
        Log.OlderDomainCookiesCleared(logger);
        return new SessionRefreshResult(SessionRefreshStatus.OlderDomainCookiesCleared, null);
    }

    private SessionRefreshResult Unauthorised(HttpContext httpContext, string reason)
    {
        Log.RefreshRefused(logger, reason);
        transport.ClearAll(httpContext);
        return new SessionRefreshResult(SessionRefreshStatus.Unauthorised, null);
    }

    private SessionVerificationResult Rejected(SessionVerificationResult result, string reason)
    {
        Log.AccessTokenRejected(logger, reason);
        return result;
    }
}
