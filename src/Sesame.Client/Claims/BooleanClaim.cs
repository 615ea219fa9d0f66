namespace Sesame.Client.Claims;

/// <summary>A claim holding <see langword="true"/> or <see langword="false"/>, as the official client's <c>BooleanClaim</c>.</summary>
public sealed class BooleanClaim : PrimitiveClaim<bool>
{
    /// <summary>Creates the claim.</summary>
    /// <param name="id">The payload property that holds it.</param>
    /// <param name="refresh">Asks the API to refresh it.</param>
    /// <param name="defaultMaxAge">The max age of validators made without one (at least 7 s).</param>
    public BooleanClaim(string id, Func<CancellationToken, Task> refresh, TimeSpan? defaultMaxAge = null)
        : base(id, refresh, defaultMaxAge)
    {
    }

    /// <summary>Valid when the claim is true.</summary>
    /// <param name="maxAge">How old it may be; null: the claim's default.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator IsTrue(TimeSpan? maxAge = null, string? id = null) => HasValue(true, maxAge, id);

    /// <summary>Valid when the claim is false.</summary>
    /// <param name="maxAge">How old it may be; null: the claim's default.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator IsFalse(TimeSpan? maxAge = null, string? id = null) => HasValue(false, maxAge, id);
}
