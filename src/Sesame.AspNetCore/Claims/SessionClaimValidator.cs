using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// A condition on the session's claims, checked on requests that require a session: globally (<see cref="SesameServerOptions.ClaimValidators"/>)
/// or per endpoint (<c>RequireSessionClaim(...)</c>, a policy, or <see cref="RequireSessionClaimAttribute"/>). Made by the claims
/// (<c>claim.Validators.HasValue(...)</c>, <c>.Includes(...)</c>, <c>.IsTrue()</c>…) or by <see cref="Create"/> for a custom check.
/// </summary>
public abstract class SessionClaimValidator
{
    /// <summary>Creates a validator.</summary>
    /// <param name="id">Its id in error lists.</param>
    /// <param name="claim">The claim it may fetch again (see <see cref="ShouldRefetch"/>), or <see langword="null"/>.</param>
    protected SessionClaimValidator(string id, SessionClaim? claim)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
        Claim = claim;
    }

    /// <summary>The id reported when the validator fails.</summary>
    public string Id { get; }

    /// <summary>The claim this validator checks and may fetch again; <see langword="null"/> for a validator that never fetches.</summary>
    public SessionClaim? Claim { get; }

    /// <summary>Whether <see cref="Claim"/> must be fetched again before validation (missing, or older than the max age).</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <param name="context">The request and the time.</param>
    /// <returns>True to fetch.</returns>
    public virtual bool ShouldRefetch(JsonObject payload, SessionClaimValidationContext context) => false;

    /// <summary>Checks the payload.</summary>
    /// <param name="payload">The access-token payload (after any fetch).</param>
    /// <param name="context">The request and the time.</param>
    /// <returns>Valid, or invalid with a reason.</returns>
    public abstract ValueTask<ClaimValidationResult> ValidateAsync(JsonObject payload, SessionClaimValidationContext context);

    /// <summary>A custom validator that never fetches (as the reference's <c>{id, shouldRefetch: () =&gt; false, validate}</c>).</summary>
    /// <param name="id">Its id in error lists.</param>
    /// <param name="validate">The check.</param>
    /// <returns>The validator.</returns>
    public static SessionClaimValidator Create(string id, Func<JsonObject, SessionClaimValidationContext, ClaimValidationResult> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return new DelegateValidator(id, validate);
    }

    private sealed class DelegateValidator(string id, Func<JsonObject, SessionClaimValidationContext, ClaimValidationResult> validate)
        : SessionClaimValidator(id, null)
    {
        public override ValueTask<ClaimValidationResult> ValidateAsync(JsonObject payload, SessionClaimValidationContext context) =>
            new(validate(payload, context));
    }
}
