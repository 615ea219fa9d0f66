namespace Sesame.AspNetCore.Claims;

/// <summary>Endpoint metadata that replaces the global validators for one endpoint (the reference's <c>overrideGlobalClaimValidators</c>).</summary>
/// <param name="Override">Given the global validators, the ones this endpoint checks instead.</param>
public sealed record SessionClaimValidatorsOverride(Func<IReadOnlyList<SessionClaimValidator>, IEnumerable<SessionClaimValidator>> Override);
