using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>One failed validator, as the protocol's 403 body lists it: <c>{"id":…,"reason":…}</c>.</summary>
/// <param name="Id">The validator's id (by default its claim's key).</param>
/// <param name="Reason">Why it failed, or <see langword="null"/>.</param>
public sealed record ClaimValidationError(string Id, JsonNode? Reason);
