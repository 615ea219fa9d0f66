namespace Sesame.AspNetCore.Claims;

/// <summary>A claim holding <see langword="true"/> or <see langword="false"/>, as the reference's <c>BooleanClaim</c>
/// (e.g. "email verified"). Validators: <see cref="BooleanClaimValidators.IsTrue"/>, <see cref="BooleanClaimValidators.IsFalse"/>,
/// <see cref="PrimitiveClaimValidators{T}.HasValue"/>.</summary>
public sealed class BooleanClaim : PrimitiveClaim<bool>
{
    /// <summary>Creates the claim.</summary>
    /// <param name="key">The payload property that holds it.</param>
    /// <param name="fetchValue">Fetches the current value (<see cref="ClaimValue{T}.None"/>: leave the payload as it is).</param>
    /// <param name="defaultMaxAge">How old a value its validators accept when they are given no max age; <see langword="null"/>: any age.</param>
    public BooleanClaim(string key, Func<SessionClaimFetchContext, CancellationToken, ValueTask<ClaimValue<bool>>> fetchValue, TimeSpan? defaultMaxAge = null)
        : base(key, fetchValue, defaultMaxAge)
    {
        Validators = new BooleanClaimValidators(this);
    }

    /// <summary>This claim's validators.</summary>
    public new BooleanClaimValidators Validators { get; }
}
