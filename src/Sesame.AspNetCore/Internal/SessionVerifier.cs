using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Verification of a request's access token (docs/protocol/rotation.md#verification) and, where a session is required, the
/// verify-time promotion of a refreshed token (docs/protocol/rotation.md#verify-time-promotion). What the authentication scheme runs
/// on every request; <see cref="SessionService.VerifySessionAsync"/> is this class too.
/// </summary>
internal sealed class SessionVerifier(
    StoreInitializer initializer,
    AccessTokenService accessTokens,
    TokenTransport transport,
    SesameSettings settings,
    RevokedSessions revoked,
    PromotedTokenCache promoted,
    SessionRowRotation rotation,
    ILogger<SessionVerifier> logger)
{
    private readonly PromotionFlight _promotionFlight = new();

    /// <summary>Verifies the request and promotes a refreshed token on its first use (one store write, new tokens in the response).</summary>
    public async Task<SessionVerificationResult> VerifySessionAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var result = await VerifyWithoutPromotionAsync(httpContext).ConfigureAwait(false);
        if (!result.PromotionPending)
        {
            return result;
        }

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
    /// Verifies a token given without a request (<see cref="ISessionService.VerifyAccessTokenAsync"/>): the request path's checks and its
    /// refusal of revoked sessions, read-only (no promotion: there is no response to carry a promoted token), no anti-CSRF (a bearer token).
    /// </summary>
    public async Task<SessionVerificationResult> VerifyAccessTokenAsync(string accessToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        cancellationToken.ThrowIfCancellationRequested();
        var check = await accessTokens.VerifyAsync(accessToken, TokenTransferMethod.Header).ConfigureAwait(false);
        switch (check.Status)
        {
            case AccessTokenStatus.TryRefresh:
                return Rejected(SessionVerificationResult.TryRefresh, check.Reason!);
            case AccessTokenStatus.Unusable:
                return Rejected(SessionVerificationResult.NoSession, check.Reason ?? "not a session token");
        }

        var session = check.Session!;
        return revoked.Contains(session.SessionHandle)
            ? Rejected(SessionVerificationResult.Unauthorised, "session was revoked")
            : new SessionVerificationResult(SessionVerificationStatus.Valid, session);
    }

    /// <summary>
    /// Verifies the request's access token without writing anything: no promotion (a refreshed token's first use answers Valid with
    /// <see cref="SessionVerificationResult.PromotionPending"/>), no tokens in the response. What the authentication handler runs on
    /// endpoints that do not require a session, so an anonymous request cannot write to the store or hand out tokens (e.g. of a session
    /// that a concurrent sign-out is removing). Once per request: the result is kept in the request's features.
    /// </summary>
    public ValueTask<SessionVerificationResult> VerifyWithoutPromotionAsync(HttpContext httpContext)
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

    /// <summary>Marks the request as verified with <paramref name="session"/> (a session created or refreshed by this request).</summary>
    public static void SetSession(HttpContext httpContext, SesameSession session)
    {
        httpContext.Features.Set(session);
        httpContext.Features.Set(new SessionVerificationResult(SessionVerificationStatus.Valid, session));
    }

    /// <summary>Marks the request as having no session (signed out by this request).</summary>
    public static void ClearSession(HttpContext httpContext)
    {
        httpContext.Features.Set<SesameSession>(null);
        httpContext.Features.Set<SessionVerificationResult>(SessionVerificationResult.NoSession);
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
        var bearer = TokenTransport.ReadBearer(request) ?? QueryStringToken(request);
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

    /// <summary>
    /// The <c>access_token</c> query parameter on a configured hub path (<see cref="SesameServerOptions.QueryStringTokenPaths"/>), read as a
    /// header token: the SignalR clients put it there where a browser cannot send headers. Never on other paths (docs/security.md).
    /// </summary>
    private string? QueryStringToken(HttpRequest request)
    {
        if (settings.QueryStringTokenPaths.Length == 0 || !request.QueryString.HasValue || !settings.AcceptsQueryStringToken(request.Path))
        {
            return null;
        }

        var token = request.Query["access_token"];
        return token.Count == 1 && !string.IsNullOrEmpty(token[0]) ? token[0] : null;
    }

    /// <summary>The protocol's answer for a checked token: status, revocation on this instance, then anti-CSRF for cookies. Never writes.</summary>
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
            && !AntiCsrfCheck.Passes(request, settings.AntiCsrf, session.AntiCsrfToken))
        {
            return Rejected(SessionVerificationResult.TryRefresh, "anti-CSRF check failed");
        }

        // Shared by every request with this token; PromotionPending when it still carries a parent hash.
        return session.ValidResult;
    }

    /// <summary>
    /// First use of an access token minted by a refresh: the only database step of verification. Promotes the child refresh token and
    /// sends an access token without a parent hash, so later requests skip this step.
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
        if (promoted.TryGetPromoted(session) is { } alreadyPromoted)
        {
            transport.WriteTokens(httpContext, alreadyPromoted, null, default, null);
            return new SessionVerificationResult(SessionVerificationStatus.Valid, alreadyPromoted);
        }

        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        // Requests carrying this child token at the same time share one promotion (one row read, one compare-and-set, one signature):
        // a client re-sends all its waiting requests at once after a refresh, and SQLite runs their writes one at a time.
        var outcome = await _promotionFlight.JoinOrStartAsync(session.SessionHandle, session.RefreshTokenHash1,
            (Verifier: this, Child: session, Issuer: settings.Issuer(httpContext.Request),
                Client: ClientInfo.From(httpContext, settings.Options.RecordClientInfo)),
            static state => state.Verifier.PromoteInStoreAsync(state.Child, state.Issuer, state.Client),
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
    /// may go away first): advance the row with the child token, then sign the fresh access token once and remember it for the requests
    /// that arrive after the flight.
    /// </summary>
    private async Task<PromotionOutcome> PromoteInStoreAsync(SesameSession child, string issuer, ClientInfo client)
    {
        var outcome = await rotation.AdvanceAsync(child.SessionHandle, TokenCrypto.Sha256Hex(child.RefreshTokenHash1),
            TokenCrypto.Sha256Hex(child.ParentRefreshTokenHash1!), client, check: null, CancellationToken.None).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case RotationOutcomeKind.SessionGone:
                return new PromotionOutcome(PromotionOutcomeKind.SessionGone, null, null);
            case RotationOutcomeKind.KeptLosing:
                return new PromotionOutcome(PromotionOutcomeKind.KeptLosing, null, null);
            case RotationOutcomeKind.Superseded:
                return new PromotionOutcome(PromotionOutcomeKind.StaleBranch, null, null);
        }

        // The row holds this child token now (promoted here or earlier): sign the fresh token once, before the flight ends, so no
        // request falls between the flight and the cache.
        var row = outcome.Row!;
        var fresh = await accessTokens.CreateAsync(PromotedClaims(child, row.AccessTokenPayloadJson, issuer), child.TransferMethod,
            accessTokens.ExpiryWithin(outcome.SessionExpiresAt), CancellationToken.None).ConfigureAwait(false);

        // A sign-out or revocation on this instance that overtook this promotion: nothing to remember or hand out.
        if (revoked.Contains(child.SessionHandle))
        {
            return new PromotionOutcome(PromotionOutcomeKind.SessionGone, null, null);
        }

        promoted.Remember(child, fresh);
        return new PromotionOutcome(PromotionOutcomeKind.Current, row.AccessTokenPayloadJson, fresh);
    }

    private static AccessTokenClaims PromotedClaims(SesameSession child, string payloadJson, string issuer) =>
        new(child.UserId, child.SessionHandle, child.RefreshTokenHash1, null, child.AntiCsrfToken, payloadJson, issuer);

    private SessionVerificationResult Rejected(SessionVerificationResult result, string reason)
    {
        Log.AccessTokenRejected(logger, reason);
        return result;
    }
}
