using Microsoft.AspNetCore.Http;
using Sesame.AspNetCore.Claims;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The error answers an app may change (docs/authorization.md#server-hooks): each raises its hook of <see cref="SesameEvents"/> and then
/// writes the protocol's answer (<see cref="ProtocolResponses"/>) with the hook's status, unless the hook wrote the answer itself. With
/// the default hook nothing is allocated: the protocol's answer is written at once.
/// </summary>
internal static class SessionAnswers
{
    /// <summary>The answer to a request whose session did not verify (docs/protocol/wire-format.md#status-codes).</summary>
    public static Task VerificationFailureAsync(HttpContext context, SessionVerificationResult result, SesameSettings settings, TokenTransport transport)
    {
        switch (result.Status)
        {
            case SessionVerificationStatus.TryRefresh:
                return TryRefreshAsync(context, settings);
            case SessionVerificationStatus.StoreUnavailable:
                return ProtocolResponses.UnavailableAsync(context);
            case SessionVerificationStatus.Unauthorised:
                transport.ClearAll(context);
                return UnauthorisedAsync(context, settings, tokensCleared: true);
            default:
                // No usable token: unauthorised without clearing (there is nothing of ours to clear).
                return UnauthorisedAsync(context, settings, tokensCleared: false);
        }
    }

    /// <summary>"unauthorised"; the caller has cleared the tokens already when <paramref name="tokensCleared"/>.</summary>
    public static Task UnauthorisedAsync(HttpContext context, SesameSettings settings, bool tokensCleared)
    {
        var hook = settings.Options.Events.OnUnauthorised;
        var status = settings.Options.SessionExpiredStatusCode;
        return ReferenceEquals(hook, SesameEvents.NoUnauthorisedHandler)
            ? ProtocolResponses.UnauthorisedAsync(context, status)
            : RaiseUnauthorisedAsync(hook, new SesameUnauthorisedContext(context, status, tokensCleared));
    }

    /// <summary>"try refresh token".</summary>
    public static Task TryRefreshAsync(HttpContext context, SesameSettings settings)
    {
        var hook = settings.Options.Events.OnTryRefreshToken;
        var status = settings.Options.SessionExpiredStatusCode;
        return ReferenceEquals(hook, SesameEvents.NoTryRefreshHandler)
            ? ProtocolResponses.TryRefreshAsync(context, status)
            : RaiseTryRefreshAsync(hook, new SesameTryRefreshContext(context, status));
    }

    /// <summary>"invalid claim" with the request's failed validators (kept in its features by claim validation), or "unauthorised" when
    /// the session disappeared during validation (its tokens are cleared by then).</summary>
    public static Task InvalidClaimAsync(HttpContext context, SesameSettings settings)
    {
        var outcome = context.Features.Get<SessionClaimsOutcome>();
        if (outcome is { SessionGone: true })
        {
            return UnauthorisedAsync(context, settings, tokensCleared: true);
        }

        var errors = outcome?.Errors ?? [];
        var hook = settings.Options.Events.OnInvalidClaim;
        var status = settings.Options.InvalidClaimStatusCode;
        return ReferenceEquals(hook, SesameEvents.NoInvalidClaimHandler)
            ? ProtocolResponses.InvalidClaimAsync(context, status, errors)
            : RaiseInvalidClaimAsync(hook, new SesameInvalidClaimContext(context, status, errors));
    }

    /// <summary>"token theft detected", after <see cref="SesameEvents.OnTokenTheftDetected"/> was raised by the refresh (its context).</summary>
    public static Task TheftAsync(HttpContext context, SesameTokenTheftContext? raised, SesameSettings settings) =>
        raised is { Handled: true }
            ? Task.CompletedTask
            : ProtocolResponses.TheftAsync(context, raised?.StatusCode ?? settings.Options.SessionExpiredStatusCode);

    private static async Task RaiseUnauthorisedAsync(Func<SesameUnauthorisedContext, Task> hook, SesameUnauthorisedContext answer)
    {
        await hook(answer).ConfigureAwait(false);
        if (!answer.Handled)
        {
            await ProtocolResponses.UnauthorisedAsync(answer.HttpContext, answer.StatusCode).ConfigureAwait(false);
        }
    }

    private static async Task RaiseTryRefreshAsync(Func<SesameTryRefreshContext, Task> hook, SesameTryRefreshContext answer)
    {
        await hook(answer).ConfigureAwait(false);
        if (!answer.Handled)
        {
            await ProtocolResponses.TryRefreshAsync(answer.HttpContext, answer.StatusCode).ConfigureAwait(false);
        }
    }

    private static async Task RaiseInvalidClaimAsync(Func<SesameInvalidClaimContext, Task> hook, SesameInvalidClaimContext answer)
    {
        await hook(answer).ConfigureAwait(false);
        if (!answer.Handled)
        {
            await ProtocolResponses.InvalidClaimAsync(answer.HttpContext, answer.StatusCode, answer.Errors).ConfigureAwait(false);
        }
    }
}
