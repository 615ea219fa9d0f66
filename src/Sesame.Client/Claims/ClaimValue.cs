namespace Sesame.Client.Claims;

/// <summary>A claim value read from the payload, which may be absent.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="HasValue">Whether the payload holds a value of that type.</param>
/// <param name="Value">The value (default when absent).</param>
public readonly record struct ClaimValue<T>(bool HasValue, T Value);
