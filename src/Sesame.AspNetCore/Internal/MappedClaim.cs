using System.Security.Claims;

namespace Sesame.AspNetCore.Internal;

/// <summary>One claim of the payload, ready to be added to a request's identity.</summary>
/// <param name="Type">The claim type.</param>
/// <param name="Value">The claim value.</param>
/// <param name="ValueType">The claim value type (<see cref="ClaimValueTypes"/>, or <c>JSON</c>).</param>
internal readonly record struct MappedClaim(string Type, string Value, string ValueType);
