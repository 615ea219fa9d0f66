using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

/// <summary>The outcome of one client-side validator.</summary>
/// <param name="IsValid">Whether the claim is valid.</param>
/// <param name="Reason">Why not, or null.</param>
public sealed record ClaimValidationResult(bool IsValid, JsonNode? Reason)
{
    /// <summary>Valid.</summary>
    public static ClaimValidationResult Valid { get; } = new(true, null);
}
