using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Sesame.AspNetCore.Claims;

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
