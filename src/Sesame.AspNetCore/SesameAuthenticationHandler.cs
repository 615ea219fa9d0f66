using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore.Internal;

namespace Sesame.AspNetCore;

/// <summary>Options of the Sesame authentication scheme. Session settings live in <see cref="SesameServerOptions"/>.</summary>
public sealed class SesameAuthenticationOptions : AuthenticationSchemeOptions
{
}

/// <summary>
/// Authenticates requests by their Sesame access token (header or cookie, anti-CSRF included) and answers challenges
/// with the protocol's status and body, so <c>[Authorize]</c> and <c>RequireAuthorization()</c> speak the protocol.
/// </summary>
internal sealed class SesameAuthenticationHandler(
    IOptionsMonitor<SesameAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ISessionService sessions,
    SesameSettings settings,
    TokenTransport transport) : AuthenticationHandler<SesameAuthenticationOptions>(options, loggerFactory, encoder)
{
    public const string SessionHandleClaim = "sessionHandle";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Preflights and TRACE are never session-checked (server.md §1). The refresh endpoint reads the refresh token only: verifying the access cookie that rides along would only
        // duplicate work (and the cookies it might write).
        if (HttpMethods.IsOptions(Request.Method) || HttpMethods.IsTrace(Request.Method)
            || Request.Path.Equals(settings.RefreshPath, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var result = await sessions.VerifySessionAsync(Context, Context.RequestAborted).ConfigureAwait(false);
        switch (result.Status)
        {
            case SessionVerificationStatus.Valid:
                var session = result.Session!;
                var identity = new ClaimsIdentity(
                    [new Claim("sub", session.UserId), new Claim(SessionHandleClaim, session.SessionHandle)],
                    Scheme.Name, "sub", ClaimTypes.Role);
                return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
            case SessionVerificationStatus.NoSession:
                return AuthenticateResult.NoResult();
            case SessionVerificationStatus.TryRefresh:
                return AuthenticateResult.Fail("try refresh token");
            case SessionVerificationStatus.StoreUnavailable:
                return AuthenticateResult.Fail("session store unavailable");
            default:
                return AuthenticateResult.Fail("unauthorised");
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = Context.Features.Get<SessionVerificationResult>() ?? SessionVerificationResult.NoSession;
        return SesameEndpoints.WriteVerificationFailureAsync(Context, result, settings, transport);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ProtocolResponses.InvalidClaimAsync(Context, settings);
}
