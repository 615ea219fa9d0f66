using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>What a validator sees besides the payload: the request and the current time.</summary>
/// <param name="HttpContext">The request being authorized.</param>
/// <param name="Now">The server's current time (from its <see cref="TimeProvider"/>).</param>
public sealed record SessionClaimValidationContext(HttpContext HttpContext, DateTimeOffset Now);

/// <summary>The outcome of one validator.</summary>
public sealed class ClaimValidationResult
{
    private ClaimValidationResult(bool isValid, JsonNode? reason)
    {
        IsValid = isValid;
        Reason = reason;
    }

    /// <summary>The claim is valid.</summary>
    public static ClaimValidationResult Valid { get; } = new(true, null);

    /// <summary>Whether the claim is valid.</summary>
    public bool IsValid { get; }

    /// <summary>Why not (sent to the client as the error's <c>reason</c>); <see langword="null"/> when valid or when no reason is given.</summary>
    public JsonNode? Reason { get; }

    /// <summary>An invalid claim.</summary>
    /// <param name="reason">Why (e.g. <c>{"message":"wrong value",…}</c>); sent to the client.</param>
    /// <returns>The result.</returns>
    public static ClaimValidationResult Invalid(JsonNode? reason) => new(false, reason);
}

/// <summary>One failed validator, as the protocol's 403 body lists it: <c>{"id":…,"reason":…}</c>.</summary>
/// <param name="Id">The validator's id (by default its claim's key).</param>
/// <param name="Reason">Why it failed, or <see langword="null"/>.</param>
public sealed record ClaimValidationError(string Id, JsonNode? Reason);

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

/// <summary>
/// The validators of the built-in claims: the value is fetched again when it is missing or older than <c>maxAge</c>; validation fails with
/// the reference's reasons, <c>{"message":"value does not exist",…}</c>, <c>{"message":"expired","ageInSeconds":…,"maxAgeInSeconds":…}</c>
/// or <c>{"message":"wrong value",…}</c>.
/// </summary>
internal sealed class ValueClaimValidator(
    string id,
    SessionClaim claim,
    TimeSpan? maxAge,
    Func<JsonNode?, bool> hasValue,
    Func<JsonNode, bool> isValid,
    Func<bool, JsonObject> expected) : SessionClaimValidator(id, claim)
{
    public override bool ShouldRefetch(JsonObject payload, SessionClaimValidationContext context)
    {
        var value = Claim!.GetJsonValueFromPayload(payload);
        if (!hasValue(value))
        {
            return true;
        }

        return maxAge is { } age && (Claim.GetLastFetchedTime(payload) ?? 0) < context.Now.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds;
    }

    public override ValueTask<ClaimValidationResult> ValidateAsync(JsonObject payload, SessionClaimValidationContext context)
    {
        var value = Claim!.GetJsonValueFromPayload(payload);
        if (!hasValue(value))
        {
            var reason = new JsonObject { ["message"] = "value does not exist" };
            Append(reason, expected(true), value);
            return new(ClaimValidationResult.Invalid(reason));
        }

        if (maxAge is { } age)
        {
            var ageInSeconds = (context.Now.ToUnixTimeMilliseconds() - (Claim.GetLastFetchedTime(payload) ?? 0)) / 1000.0;
            if (ageInSeconds > age.TotalSeconds)
            {
                return new(ClaimValidationResult.Invalid(new JsonObject
                {
                    ["message"] = "expired",
                    ["ageInSeconds"] = ageInSeconds,
                    ["maxAgeInSeconds"] = age.TotalSeconds,
                }));
            }
        }

        if (!isValid(value!))
        {
            var reason = new JsonObject { ["message"] = "wrong value" };
            Append(reason, expected(false), value);
            return new(ClaimValidationResult.Invalid(reason));
        }

        return new(ClaimValidationResult.Valid);
    }

    // The reference builds {message, expected…, actualValue}; an absent actual value (undefined) is left out by JSON.stringify.
    private static void Append(JsonObject reason, JsonObject expected, JsonNode? actual)
    {
        foreach (var (name, node) in expected)
        {
            reason[name] = node?.DeepClone();
        }

        if (actual is not null)
        {
            reason["actualValue"] = actual.DeepClone();
        }
    }
}
