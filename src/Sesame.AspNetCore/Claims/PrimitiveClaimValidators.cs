using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>The validators of a <see cref="PrimitiveClaim{T}"/>.</summary>
/// <typeparam name="T">The claim's value type.</typeparam>
public class PrimitiveClaimValidators<T>
    where T : notnull
{
    private readonly PrimitiveClaim<T> _claim;

    internal PrimitiveClaimValidators(PrimitiveClaim<T> claim) => _claim = claim;

    /// <summary>Valid when the claim equals <paramref name="value"/> and (with a max age) was fetched at most that long ago; fetched again
    /// when missing or older.</summary>
    /// <param name="value">The expected value.</param>
    /// <param name="maxAge">How old the value may be; <see langword="null"/>: the claim's default max age.</param>
    /// <param name="id">The id in error lists; default the claim's key.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator HasValue(T value, TimeSpan? maxAge = null, string? id = null) =>
        new ValueClaimValidator(id ?? _claim.Key, _claim, maxAge ?? _claim.DefaultMaxAge,
            static node => node is not null,
            node => ClaimJson.TryRead<T>(node, out var actual) && EqualityComparer<T>.Default.Equals(actual, value),
            _ => new JsonObject { ["expectedValue"] = ClaimJson.ToNode(value) });
}
