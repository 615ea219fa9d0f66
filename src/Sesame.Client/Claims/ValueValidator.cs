using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

/// <summary>The built-in validators, with the official client's reasons ("value does not exist", "expired", "wrong value").</summary>
internal sealed class ValueValidator(string id, ClientClaim claim, TimeSpan? maxAge, Func<JsonElement, bool> isValid, Func<bool, JsonObject> expected)
    : ClientClaimValidator(id)
{
    public override bool ShouldRefresh(JsonElement payload, DateTimeOffset serverNow) =>
        claim.RawValue(payload) is null
        || (maxAge is { } age && (claim.GetLastFetchedTime(payload) ?? 0) < serverNow.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds);

    public override Task RefreshAsync(CancellationToken cancellationToken) => claim.Refresh(cancellationToken);

    public override ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow)
    {
        if (claim.RawValue(payload) is not { } raw)
        {
            var missing = new JsonObject { ["message"] = "value does not exist" };
            Append(missing, expected(true));
            return new ClaimValidationResult(false, missing);
        }

        if (maxAge is { } age)
        {
            var ageInSeconds = (serverNow.ToUnixTimeMilliseconds() - (claim.GetLastFetchedTime(payload) ?? 0)) / 1000.0;
            if (ageInSeconds > age.TotalSeconds)
            {
                return new ClaimValidationResult(false,
                    new JsonObject { ["message"] = "expired", ["ageInSeconds"] = ageInSeconds, ["maxAgeInSeconds"] = age.TotalSeconds });
            }
        }

        if (!isValid(raw))
        {
            var wrong = new JsonObject { ["message"] = "wrong value" };
            Append(wrong, expected(false));
            wrong["actualValue"] = JsonNode.Parse(raw.GetRawText());
            return new ClaimValidationResult(false, wrong);
        }

        return ClaimValidationResult.Valid;
    }

    private static void Append(JsonObject reason, JsonObject expectedValues)
    {
        foreach (var (name, node) in expectedValues)
        {
            reason[name] = node?.DeepClone();
        }
    }
}
