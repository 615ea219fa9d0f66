using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sesame.AspNetCore.Internal;

namespace Sesame.AspNetCore.Claims;

/// <summary>An authorization requirement: the request's Sesame session passes these claim validators (after the global ones).</summary>
public sealed class SessionClaimsRequirement : IAuthorizationRequirement
{
    /// <summary>Creates the requirement.</summary>
    /// <param name="validators">The validators.</param>
    public SessionClaimsRequirement(IEnumerable<SessionClaimValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        Validators = [.. validators];
        if (Validators.Any(static v => v is null))
        {
            throw new ArgumentException("A claim validator is null.", nameof(validators));
        }
    }

    /// <summary>The validators.</summary>
    public IReadOnlyList<SessionClaimValidator> Validators { get; }
}

/// <summary>Endpoint metadata that replaces the global validators for one endpoint (the reference's <c>overrideGlobalClaimValidators</c>).</summary>
/// <param name="Override">Given the global validators, the ones this endpoint checks instead.</param>
public sealed record SessionClaimValidatorsOverride(Func<IReadOnlyList<SessionClaimValidator>, IEnumerable<SessionClaimValidator>> Override);

/// <summary>
/// Requires session claim validators on a controller or action, through ASP.NET Core authorization: <c>[RequireSessionClaim(typeof(AppClaims),
/// nameof(AppClaims.EmailVerified))]</c>, where the named public static field or property holds a <see cref="SessionClaimValidator"/> or a
/// sequence of them. A failure answers the invalid-claim status with the protocol's body.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class RequireSessionClaimAttribute : Attribute, IAuthorizationRequirementData
{
    private readonly SessionClaimsRequirement _requirement;

    /// <summary>Creates the attribute.</summary>
    /// <param name="holder">The type declaring the validator(s).</param>
    /// <param name="member">The name of its public static field or property.</param>
    public RequireSessionClaimAttribute(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.PublicProperties)] Type holder,
        string member)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentException.ThrowIfNullOrEmpty(member);
        Holder = holder;
        Member = member;
        var value = holder.GetField(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? holder.GetProperty(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        _requirement = value switch
        {
            SessionClaimValidator validator => new SessionClaimsRequirement([validator]),
            IEnumerable<SessionClaimValidator> validators => new SessionClaimsRequirement(validators),
            _ => throw new ArgumentException($"{holder.Name}.{member} is not a public static SessionClaimValidator (or a sequence of them).", nameof(member)),
        };
    }

    /// <summary>The type declaring the validator(s).</summary>
    public Type Holder { get; }

    /// <summary>The member holding them.</summary>
    public string Member { get; }

    /// <inheritdoc />
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [_requirement];
}

/// <summary>Session-claim requirements on endpoints and policies.</summary>
public static class SessionClaimsAuthorizationExtensions
{
    /// <summary>Adds a <see cref="SessionClaimsRequirement"/> to a policy (for <c>[Authorize(Policy = …)]</c>).</summary>
    /// <param name="policy">The policy builder.</param>
    /// <param name="validators">The validators the session must pass.</param>
    /// <returns>The builder.</returns>
    public static AuthorizationPolicyBuilder RequireSessionClaim(this AuthorizationPolicyBuilder policy, params SessionClaimValidator[] validators)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.AddRequirements(new SessionClaimsRequirement(validators));
    }

    /// <summary>Requires a Sesame session that passes <paramref name="validators"/> (after the global ones) on these endpoints.</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <param name="validators">The validators.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireSessionClaim<TBuilder>(this TBuilder builder, params SessionClaimValidator[] validators)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var requirement = new SessionClaimsRequirement(validators);
        return builder.RequireAuthorization(policy => policy.AddRequirements(requirement));
    }

    /// <summary>
    /// Replaces the global validators on these endpoints: <paramref name="override"/> gets them and returns the ones to check
    /// (e.g. <c>globals =&gt; globals.Where(v =&gt; v.Id != "email-verified")</c> on the page that verifies the e-mail address).
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <param name="override">Given the global validators, the validators to check.</param>
    /// <returns>The builder.</returns>
    public static TBuilder OverrideGlobalSessionClaimValidators<TBuilder>(this TBuilder builder,
        Func<IReadOnlyList<SessionClaimValidator>, IEnumerable<SessionClaimValidator>> @override)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(@override);
        return builder.WithMetadata(new SessionClaimValidatorsOverride(@override));
    }
}

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
