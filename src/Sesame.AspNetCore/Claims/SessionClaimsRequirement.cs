using Microsoft.AspNetCore.Authorization;

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
