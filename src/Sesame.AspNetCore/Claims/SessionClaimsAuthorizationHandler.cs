using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Sesame.AspNetCore.Internal;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// Runs the session claim validators wherever ASP.NET Core authorization runs for a request with a Sesame session (an endpoint with
/// <c>[Authorize]</c>, <c>RequireAuthorization</c>, a policy, or a fallback policy): the global ones
/// (<see cref="SesameServerOptions.ClaimValidators"/>, or the endpoint's <see cref="SessionClaimValidatorsOverride"/> of them) and those of
/// every <see cref="SessionClaimsRequirement"/> of the policy, as the reference's <c>verifySession</c> does. A failure fails authorization,
/// and the Sesame scheme's forbid answer writes the errors. Nothing runs (and nothing is allocated) when there is nothing to check.
/// </summary>
internal sealed class SessionClaimsAuthorizationHandler(ISessionService sessions, SesameSettings settings, TimeProvider time) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        // The hot path of every authorized request in an app without claim validators: two checks, no allocation.
        if (settings.Options.ClaimValidators.Count == 0 && !HasClaimsRequirement(context)
            && (context.Resource as HttpContext)?.GetEndpoint()?.Metadata.GetMetadata<SessionClaimValidatorsOverride>() is null)
        {
            return Task.CompletedTask;
        }

        return HandleCoreAsync(context);
    }

    private async Task HandleCoreAsync(AuthorizationHandlerContext context)
    {
        // Without the request (IAuthorizationService called with another resource) or a Sesame session, nothing can be checked: the
        // requirements stay unmet, so authorization fails (and an anonymous request is challenged).
        if (context.Resource is not HttpContext http || http.GetSesameSession() is null)
        {
            return;
        }

        var globals = settings.Options.ClaimValidators.ToArray();
        var validators = http.GetEndpoint()?.Metadata.GetMetadata<SessionClaimValidatorsOverride>() is { } endpointOverride
            ? [.. endpointOverride.Override(globals)]
            : new List<SessionClaimValidator>(globals);
        foreach (var requirement in context.Requirements)
        {
            if (requirement is SessionClaimsRequirement claims)
            {
                validators.AddRange(claims.Validators);
            }
        }

        var outcome = await SessionClaimsRunner.RunAsync(http, sessions, time, validators, http.RequestAborted).ConfigureAwait(false);
        if (outcome.SessionGone || outcome.Errors.Count > 0)
        {
            http.Features.Set(outcome);
            context.Fail(new AuthorizationFailureReason(this, outcome.SessionGone ? "session no longer exists" : "invalid claim"));
            return;
        }

        foreach (var requirement in context.Requirements)
        {
            if (requirement is SessionClaimsRequirement claims)
            {
                context.Succeed(claims);
            }
        }
    }

    private static bool HasClaimsRequirement(AuthorizationHandlerContext context)
    {
        if (context.Requirements is IReadOnlyList<IAuthorizationRequirement> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is SessionClaimsRequirement)
                {
                    return true;
                }
            }

            return false;
        }

        return context.Requirements.Any(static r => r is SessionClaimsRequirement);
    }
}
