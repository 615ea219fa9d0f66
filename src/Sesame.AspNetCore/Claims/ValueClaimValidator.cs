using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

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
