using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

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
