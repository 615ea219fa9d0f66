using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore.Internal;

namespace Sesame.AspNetCore;

/// <summary>
/// Authenticates requests by their Sesame access token (header or cookie, anti-CSRF included) and answers challenges
/// with the protocol's status and body, so <c>[Authorize]</c> and <c>RequireAuthorization()</c> speak the protocol.
/// </summary>
/// <remarks>
/// Implements <see cref="IAuthenticationHandler"/> directly rather than deriving from <c>AuthenticationHandler&lt;T&gt;</c>: the base
/// class creates a logger through <c>ILoggerFactory</c>, looks its options up and runs event hooks on every request, which cost more
/// than Sesame's own check of a token seen before (docs/benchmarks.md, pipeline section). What the base class gives apps is kept:
/// <c>ForwardDefault</c>/<c>ForwardDefaultSelector</c>/<c>ForwardAuthenticate</c>/<c>ForwardChallenge</c>/<c>ForwardForbid</c>, one
/// authentication per request, challenge and forbid answers. Verification is read-only unless the endpoint requires a session
/// (see <see cref="RequiresSessionAsync"/>).
/// </remarks>
internal sealed class SesameAuthenticationHandler(
    SessionVerifier verifier,
    SesameSettings settings,
    TokenTransport transport,
    SesameAuthenticationOptionsCache options) : IAuthenticationHandler
{
    public const string SessionHandleClaim = "sessionHandle";

    // Failures and "no result" carry nothing request-specific: one instance each (an AuthenticateResult is not changed by its readers).
    private static readonly Task<AuthenticateResult> NoResult = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<AuthenticateResult> TryRefreshFailure = Task.FromResult(AuthenticateResult.Fail("try refresh token"));
    private static readonly Task<AuthenticateResult> UnavailableFailure = Task.FromResult(AuthenticateResult.Fail("session store unavailable"));
    private static readonly Task<AuthenticateResult> UnauthorisedFailure = Task.FromResult(AuthenticateResult.Fail("unauthorised"));

    private AuthenticationScheme _scheme = null!;
    private HttpContext _context = null!;
    private Task<AuthenticateResult>? _authenticated;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _scheme = scheme;
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync()
    {
        if (ForwardTarget(options.Current.ForwardAuthenticate) is { } target)
        {
            return _context.AuthenticateAsync(target);
        }

        // Calling Authenticate more than once in a request gives the first answer (as AuthenticationHandler<T> does).
        return _authenticated ??= AuthenticateOnceAsync();
    }

    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        if (ForwardTarget(options.Current.ForwardChallenge) is { } target)
        {
            return _context.ChallengeAsync(target, properties);
        }

        var result = _context.Features.Get<SessionVerificationResult>() ?? SessionVerificationResult.NoSession;
        return SessionAnswers.VerificationFailureAsync(_context, result, settings, transport);
    }

    public Task ForbidAsync(AuthenticationProperties? properties) =>
        ForwardTarget(options.Current.ForwardForbid) is { } target
            ? _context.ForbidAsync(target, properties)
            : SessionAnswers.InvalidClaimAsync(_context, settings);

    private Task<AuthenticateResult> AuthenticateOnceAsync()
    {
        // Preflights and TRACE are never session-checked (docs/protocol/wire-format.md#endpoints). The refresh endpoint reads the refresh token only: verifying the
        // access cookie that rides along would only duplicate work (and the cookies it might write).
        var request = _context.Request;
        if (HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method)
            || request.Path.Equals(settings.RefreshPath, StringComparison.OrdinalIgnoreCase))
        {
            return NoResult;
        }

        var verification = verifier.VerifyWithoutPromotionAsync(_context);
        // The hot path (a token verified before, or no token) completes synchronously: no await, no state machine.
#pragma warning disable CA2012 // consumed once: Result when it completed synchronously, else awaited once
        if (verification.IsCompletedSuccessfully)
        {
            var result = verification.Result;
            return result.PromotionPending ? PromoteIfRequiredAsync(result) : ToResult(result);
        }

        return AuthenticateSlowAsync(verification);
#pragma warning restore CA2012
    }

    private async Task<AuthenticateResult> AuthenticateSlowAsync(ValueTask<SessionVerificationResult> verification)
    {
        var result = await verification.ConfigureAwait(false);
        return await (result.PromotionPending ? PromoteIfRequiredAsync(result) : ToResult(result)).ConfigureAwait(false);
    }

    private async Task<AuthenticateResult> PromoteIfRequiredAsync(SessionVerificationResult result)
    {
        // A refreshed token's first use is promoted (a store write, new tokens in the response) only where a session is required;
        // elsewhere the request still gets its user, from the valid token, and nothing is written.
        if (await RequiresSessionAsync().ConfigureAwait(false))
        {
            result = await verifier.VerifySessionAsync(_context, _context.RequestAborted).ConfigureAwait(false);
        }

        return await ToResult(result).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether authorization will require an authenticated user for this request, as the authorization middleware decides it: no
    /// <see cref="IAllowAnonymous"/>, and <c>[Authorize]</c>/<c>RequireAuthorization()</c>/a policy on the endpoint, or a fallback policy.
    /// Runs only for a token with a pending promotion (the first request after a refresh), never on the hot path.
    /// </summary>
    private async Task<bool> RequiresSessionAsync()
    {
        var metadata = _context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<IAllowAnonymous>() is not null)
        {
            return false;
        }

        if (metadata is not null && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<AuthorizationPolicy>() is not null
                || metadata.GetMetadata<IAuthorizationRequirementData>() is not null))
        {
            return true;
        }

        return _context.RequestServices.GetService<IAuthorizationPolicyProvider>() is { } policies
            && await policies.GetFallbackPolicyAsync().ConfigureAwait(false) is not null;
    }

    private Task<AuthenticateResult> ToResult(SessionVerificationResult result)
    {
        switch (result.Status)
        {
            case SessionVerificationStatus.Valid:
                var session = result.Session!;
                // Claims made with the identity as their subject are added as they are (a claim of another subject is cloned).
                var identity = new ClaimsIdentity(_scheme.Name, "sub", ClaimTypes.Role);
                identity.AddClaim(new Claim("sub", session.UserId, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer,
                    identity));
                identity.AddClaim(new Claim(SessionHandleClaim, session.SessionHandle, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer,
                    ClaimsIdentity.DefaultIssuer, identity));
                foreach (var claim in settings.ClaimMapper.ClaimsOf(session))
                {
                    identity.AddClaim(new Claim(claim.Type, claim.Value, claim.ValueType, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer,
                        identity));
                }

                // A new principal per request: apps and claims transformations may change it.
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), _scheme.Name)));
            case SessionVerificationStatus.NoSession:
                return NoResult;
            case SessionVerificationStatus.TryRefresh:
                return TryRefreshFailure;
            case SessionVerificationStatus.StoreUnavailable:
                return UnavailableFailure;
            default:
                return UnauthorisedFailure;
        }
    }

    /// <summary>The scheme to forward to, as <c>AuthenticationHandler&lt;T&gt;.ResolveTarget</c> picks it; null = handle here.</summary>
    private string? ForwardTarget(string? specific)
    {
        var current = options.Current;
        var target = specific ?? current.ForwardDefaultSelector?.Invoke(_context) ?? current.ForwardDefault;
        return target is null || string.Equals(target, _scheme.Name, StringComparison.Ordinal) ? null : target;
    }
}
