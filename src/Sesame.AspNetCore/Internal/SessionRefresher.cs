using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The refresh endpoint's algorithm (docs/protocol/rotation.md#refresh-token-rotation): read the refresh token, check anti-CSRF, advance
/// the session row by the two-phase rule, and issue a child token pair, or end the session when a superseded token is replayed
/// (docs/protocol/rotation.md#theft-detection).
/// </summary>
internal sealed class SessionRefresher(
    StoreInitializer initializer,
    AccessTokenService accessTokens,
    RefreshTokenCodec refreshTokens,
    TokenTransport transport,
    SesameSettings settings,
    SessionRowRotation rotation,
    SessionAdministration administration,
    SesameMetrics metrics,
    ILogger<SessionRefresher> logger)
{
    /// <summary>Handles one refresh request, with its span and metrics (docs/observability.md).</summary>
    public async Task<SessionRefreshResult> RefreshAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
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
            metrics.RefreshHandled(outcome, started);
            if (activity is not null)
            {
                activity.SetTag(SesameMetrics.OutcomeTag, outcome);
                if (outcome != RefreshOutcomes.Refreshed)
                {
                    activity.SetStatus(ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    private async Task<SessionRefreshResult> RefreshCoreAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
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

        if (method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaCustomHeader
            && !AntiCsrfCheck.Passes(request, AntiCsrfMode.ViaCustomHeader, null))
        {
            return Unauthorised(httpContext, "rid header missing");
        }

        var content = await refreshTokens.TryReadAsync(token, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return Unauthorised(httpContext, "refresh token is not one of ours");
        }

        // A refresh token minted without an anti-CSRF token (header mode, or before the mode was enabled) is not checked.
        if (method == TokenTransferMethod.Cookie && settings.AntiCsrf == AntiCsrfMode.ViaToken && content.AntiCsrfToken is not null
            && !AntiCsrfCheck.Passes(request, AntiCsrfMode.ViaToken, content.AntiCsrfToken))
        {
            return Unauthorised(httpContext, "anti-CSRF token mismatch");
        }

        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var refreshTokenHash1 = TokenCrypto.Sha256Hex(token);
        var parentHash2 = content.ParentRefreshTokenHash1 is null ? null : TokenCrypto.Sha256Hex(content.ParentRefreshTokenHash1);
        var outcome = await rotation.AdvanceAsync(content.SessionHandle, TokenCrypto.Sha256Hex(refreshTokenHash1), parentHash2,
            ClientInfo.From(httpContext, settings.Options.RecordClientInfo), (row, ct) => AppRefusalAsync(httpContext, row), cancellationToken)
            .ConfigureAwait(false);

        switch (outcome.Kind)
        {
            case RotationOutcomeKind.SessionGone:
                return Unauthorised(httpContext, "session no longer exists");
            case RotationOutcomeKind.KeptLosing:
                return Unauthorised(httpContext, "refresh kept losing to concurrent requests");
            case RotationOutcomeKind.Refused:
                await administration.EndSessionAsync(outcome.Row!.SessionHandle, "refresh_rejected", cancellationToken).ConfigureAwait(false);
                return Unauthorised(httpContext, "rejected by OnRefreshing: " + outcome.RefusalReason);
            case RotationOutcomeKind.Superseded:
                return await TheftAsync(httpContext, outcome.Row!, cancellationToken).ConfigureAwait(false);
        }

        // Current (no rotation write: the client may retry it until a child is used) or Promoted (the child became current, with the
        // refresh's time and client recorded in that write). Either way the refresh succeeds.
        return await IssueChildAsync(httpContext, method, outcome.Row!, refreshTokenHash1, outcome.SessionExpiresAt, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Raises <see cref="SesameEvents.OnRefreshing"/> before anything is written; a rejection's reason ends the session (null = go on).
    /// The app's rule (a deleted or locked user, a changed security stamp) thereby holds on every instance.
    /// </summary>
    private async Task<string?> AppRefusalAsync(HttpContext httpContext, StoredSession row)
    {
        var context = new SesameRefreshingContext(httpContext, row.SessionHandle, row.UserId, row.AccessTokenPayloadJson);
        await settings.Options.Events.OnRefreshing(context).ConfigureAwait(false);
        return context.IsRejected ? context.RejectionReason ?? "rejected" : null;
    }

    /// <summary>Neither current nor its child: a superseded token was replayed, so the session ends for thief and victim alike.</summary>
    private async Task<SessionRefreshResult> TheftAsync(HttpContext httpContext, StoredSession row, CancellationToken cancellationToken)
    {
        await administration.EndSessionAsync(row.SessionHandle, "token_theft", cancellationToken).ConfigureAwait(false);
        Log.TokenTheftDetected(logger, row.SessionHandle, row.UserId);
        metrics.TokenTheftDetected();
        transport.ClearAll(httpContext);
        var theft = new SesameTokenTheftContext(httpContext, settings.Options.SessionExpiredStatusCode, row.SessionHandle, row.UserId);
        await settings.Options.Events.OnTokenTheftDetected(theft).ConfigureAwait(false);
        return new SessionRefreshResult(SessionRefreshStatus.TokenTheftDetected, null) { TheftDetected = theft };
    }

    private async Task<SessionRefreshResult> IssueChildAsync(HttpContext httpContext, TokenTransferMethod method, StoredSession row,
        string parentRefreshTokenHash1, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        var antiCsrf = SessionAdministration.NewAntiCsrfToken(settings, method);
        var child = await refreshTokens.CreateAsync(row.SessionHandle, parentRefreshTokenHash1, antiCsrf, cancellationToken).ConfigureAwait(false);
        var session = await accessTokens.CreateAsync(
            new AccessTokenClaims(row.UserId, row.SessionHandle, TokenCrypto.Sha256Hex(child), parentRefreshTokenHash1, antiCsrf,
                row.AccessTokenPayloadJson, settings.Issuer(request)),
            method, accessTokens.ExpiryWithin(expiresAt), cancellationToken).ConfigureAwait(false);

        // The other method's refresh token, if the request carried one too, is cleared (its front-token is overwritten below).
        if (method == TokenTransferMethod.Header && request.Cookies.ContainsKey(TokenTransport.RefreshTokenCookie))
        {
            transport.Clear(httpContext, TokenTransferMethod.Cookie);
        }

        transport.ClearLegacyIdRefreshToken(httpContext);
        transport.WriteTokens(httpContext, session, child, expiresAt, antiCsrf);
        SessionVerifier.SetSession(httpContext, session);
        await settings.Options.Events.OnSessionRefreshed(new SesameSessionEventContext(httpContext, row.SessionHandle, row.UserId))
            .ConfigureAwait(false);
        return new SessionRefreshResult(SessionRefreshStatus.Refreshed, session);
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
}
