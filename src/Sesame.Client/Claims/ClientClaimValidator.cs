using System.Text.Json;

namespace Sesame.Client.Claims;

/// <summary>
/// A client-side claim validator, as the official client's <c>SessionClaimValidator</c>: <see cref="ShouldRefresh"/> says the claim is
/// missing or too old, <see cref="RefreshAsync"/> asks the API to refresh it (e.g. a call to an endpoint that fetches it), and
/// <see cref="Validate"/> checks the payload. Used by <c>ValidateClaimsAsync</c>.
/// </summary>
public abstract class ClientClaimValidator
{
    /// <summary>Creates a validator.</summary>
    /// <param name="id">Its id in error lists.</param>
    protected ClientClaimValidator(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
    }

    /// <summary>The id reported when the validator fails.</summary>
    public string Id { get; }

    /// <summary>Whether the claim should be refreshed before validation.</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <param name="serverNow">The server's current time as the client estimates it (its clock corrected by the measured skew).</param>
    /// <returns>True to refresh.</returns>
    public virtual bool ShouldRefresh(JsonElement payload, DateTimeOffset serverNow) => false;

    /// <summary>Refreshes the claim (calls the API). Failures are logged and ignored, as the official client does.</summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>A task that completes when refreshed.</returns>
    public virtual Task RefreshAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks the payload.</summary>
    /// <param name="payload">The access-token payload (after refreshes).</param>
    /// <param name="serverNow">The server's current time as the client estimates it.</param>
    /// <returns>Valid, or invalid with a reason.</returns>
    public abstract ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow);

    /// <summary>A custom validator that never refreshes.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="validate">The check.</param>
    /// <returns>The validator.</returns>
    public static ClientClaimValidator Create(string id, Func<JsonElement, ClaimValidationResult> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return new DelegateValidator(id, validate);
    }

    private sealed class DelegateValidator(string id, Func<JsonElement, ClaimValidationResult> validate) : ClientClaimValidator(id)
    {
        public override ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow) => validate(payload);
    }
}
