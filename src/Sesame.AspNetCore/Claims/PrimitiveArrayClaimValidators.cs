using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>The validators of a <see cref="PrimitiveArrayClaim{T}"/>. Each takes a max age (<see langword="null"/>: the claim's default)
/// and an id (default: the claim's key).</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class PrimitiveArrayClaimValidators<T>
    where T : notnull
{
    private readonly PrimitiveArrayClaim<T> _claim;

    internal PrimitiveArrayClaimValidators(PrimitiveArrayClaim<T> claim) => _claim = claim;

    /// <summary>Valid when the array contains <paramref name="value"/>.</summary>
    /// <param name="value">The value that must be present.</param>
    /// <param name="maxAge">How old the value may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator Includes(T value, TimeSpan? maxAge = null, string? id = null) =>
        Make(values => values.Contains(value), "expectedToInclude", ClaimJson.ToNode(value), null, maxAge, id);

    /// <summary>Valid when the array does not contain <paramref name="value"/>.</summary>
    /// <param name="value">The value that must be absent.</param>
    /// <param name="maxAge">How old the value may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator Excludes(T value, TimeSpan? maxAge = null, string? id = null) =>
        Make(values => !values.Contains(value), "expectedToNotInclude", ClaimJson.ToNode(value), null, maxAge, id);

    /// <summary>Valid when the array contains every one of <paramref name="values"/>.</summary>
    /// <param name="values">The values that must all be present.</param>
    /// <param name="maxAge">How old the value may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator IncludesAll(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Make(actual => values.All(actual.Contains), "expectedToInclude", ClaimJson.ToArray(values), null, maxAge, id);
    }

    /// <summary>Valid when the array contains at least one of <paramref name="values"/>.</summary>
    /// <param name="values">The values of which one must be present.</param>
    /// <param name="maxAge">How old the value may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator IncludesAny(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        // The reference names the expectation "expectedToNotInclude" when the value is missing and "expectedToIncludeAtLeastOneOf" when
        // it is wrong; clients may match either, so both are kept.
        return Make(actual => values.Any(actual.Contains), "expectedToIncludeAtLeastOneOf", ClaimJson.ToArray(values), "expectedToNotInclude",
            maxAge, id);
    }

    /// <summary>Valid when the array contains none of <paramref name="values"/>.</summary>
    /// <param name="values">The values that must all be absent.</param>
    /// <param name="maxAge">How old the value may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator ExcludesAll(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Make(actual => !values.Any(actual.Contains), "expectedToNotInclude", ClaimJson.ToArray(values), null, maxAge, id);
    }

    private ValueClaimValidator Make(Func<T[], bool> check, string expectedName, JsonNode expected, string? missingExpectedName,
        TimeSpan? maxAge, string? id)
        => new(id ?? _claim.Key, _claim, maxAge ?? _claim.DefaultMaxAge,
            static node => node is not null,
            node => ClaimJson.TryReadArray<T>(node, out var actual) && check(actual),
            missing => new JsonObject { [missing && missingExpectedName is not null ? missingExpectedName : expectedName] = expected.DeepClone() });
}
