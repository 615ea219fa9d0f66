using System.Text.Json;

namespace Sesame.Client.Claims;

/// <summary>One failed validator: <c>{"id":…,"reason":…}</c>, as in the server's 403 body and <c>validateClaims</c>'s result.</summary>
/// <param name="Id">The validator's id.</param>
/// <param name="Reason">Why it failed (a detached JSON value), or null.</param>
public sealed record ClaimValidationError(string Id, JsonElement? Reason);
