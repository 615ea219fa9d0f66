namespace Sesame.AspNetCore.Claims;

/// <summary>The validators of a <see cref="BooleanClaim"/>.</summary>
public sealed class BooleanClaimValidators : PrimitiveClaimValidators<bool>
{
    internal BooleanClaimValidators(BooleanClaim claim)
        : base(claim)
    {
    }

    /// <summary>Valid when the claim is <see langword="true"/> (<c>HasValue(true, maxAge, id)</c>).</summary>
    /// <param name="maxAge">How old the value may be; <see langword="null"/>: the claim's default max age.</param>
    /// <param name="id">The id in error lists; default the claim's key.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator IsTrue(TimeSpan? maxAge = null, string? id = null) => HasValue(true, maxAge, id);

    /// <summary>Valid when the claim is <see langword="false"/> (<c>HasValue(false, maxAge, id)</c>).</summary>
    /// <param name="maxAge">How old the value may be; <see langword="null"/>: the claim's default max age.</param>
    /// <param name="id">The id in error lists; default the claim's key.</param>
    /// <returns>The validator.</returns>
    public SessionClaimValidator IsFalse(TimeSpan? maxAge = null, string? id = null) => HasValue(false, maxAge, id);
}
