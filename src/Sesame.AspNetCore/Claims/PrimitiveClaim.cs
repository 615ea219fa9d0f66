using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// A claim holding one JSON primitive (string, bool or number), as the reference's <c>PrimitiveClaim</c>. Validator:
/// <see cref="PrimitiveClaimValidators{T}.HasValue"/>.
/// </summary>
/// <typeparam name="T"><see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>, <see cref="float"/>,
/// <see cref="double"/> or <see cref="decimal"/>.</typeparam>
public class PrimitiveClaim<T> : SessionClaim
    where T : notnull
{
    private readonly Func<SessionClaimFetchContext, CancellationToken, ValueTask<ClaimValue<T>>> _fetchValue;

    /// <summary>Creates the claim.</summary>
    /// <param name="key">The payload property that holds it.</param>
    /// <param name="fetchValue">Fetches the current value (<see cref="ClaimValue{T}.None"/>: leave the payload as it is).</param>
    /// <param name="defaultMaxAge">How old a value its validators accept when they are given no max age; <see langword="null"/>: any age.</param>
    public PrimitiveClaim(string key, Func<SessionClaimFetchContext, CancellationToken, ValueTask<ClaimValue<T>>> fetchValue, TimeSpan? defaultMaxAge = null)
        : base(key)
    {
        ClaimJson.EnsureSupported<T>();
        ArgumentNullException.ThrowIfNull(fetchValue);
        _fetchValue = fetchValue;
        DefaultMaxAge = defaultMaxAge;
        Validators = new PrimitiveClaimValidators<T>(this);
    }

    /// <summary>The max age of validators made without one.</summary>
    public TimeSpan? DefaultMaxAge { get; }

    /// <summary>This claim's validators.</summary>
    public PrimitiveClaimValidators<T> Validators { get; }

    /// <summary>Fetches the current value.</summary>
    /// <param name="context">Whose session, and the request.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The value, or none.</returns>
    public ValueTask<ClaimValue<T>> FetchValueAsync(SessionClaimFetchContext context, CancellationToken cancellationToken) =>
        _fetchValue(context, cancellationToken);

    /// <inheritdoc />
    public override async ValueTask<JsonNode?> FetchValueAsJsonAsync(SessionClaimFetchContext context, CancellationToken cancellationToken)
    {
        var value = await _fetchValue(context, cancellationToken).ConfigureAwait(false);
        return value.HasValue ? ClaimJson.ToNode(value.Value) : null;
    }

    /// <summary>The value stored in <paramref name="payload"/>, or none (absent, or not a <typeparamref name="T"/>).</summary>
    /// <param name="payload">An access-token payload.</param>
    /// <returns>The value, or none.</returns>
    public ClaimValue<T> GetValueFromPayload(JsonObject payload) =>
        ClaimJson.TryRead<T>(GetJsonValueFromPayload(payload), out var value) ? value : ClaimValue<T>.None;
}
