using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// A claim holding an array of JSON primitives (e.g. roles or permissions), as the reference's <c>PrimitiveArrayClaim</c>. Validators:
/// <see cref="PrimitiveArrayClaimValidators{T}.Includes"/>, <see cref="PrimitiveArrayClaimValidators{T}.Excludes"/>,
/// <see cref="PrimitiveArrayClaimValidators{T}.IncludesAll"/>, <see cref="PrimitiveArrayClaimValidators{T}.IncludesAny"/>,
/// <see cref="PrimitiveArrayClaimValidators{T}.ExcludesAll"/>.
/// </summary>
/// <typeparam name="T">The element type: <see cref="string"/>, <see cref="bool"/> or a number type.</typeparam>
public class PrimitiveArrayClaim<T> : SessionClaim
    where T : notnull
{
    private readonly Func<SessionClaimFetchContext, CancellationToken, ValueTask<ClaimValue<IReadOnlyList<T>>>> _fetchValue;

    /// <summary>Creates the claim.</summary>
    /// <param name="key">The payload property that holds it.</param>
    /// <param name="fetchValue">Fetches the current values (<see cref="ClaimValue{T}.None"/>: leave the payload as it is).</param>
    /// <param name="defaultMaxAge">How old a value its validators accept when they are given no max age; <see langword="null"/>: any age.</param>
    public PrimitiveArrayClaim(string key, Func<SessionClaimFetchContext, CancellationToken, ValueTask<ClaimValue<IReadOnlyList<T>>>> fetchValue,
        TimeSpan? defaultMaxAge = null)
        : base(key)
    {
        ClaimJson.EnsureSupported<T>();
        ArgumentNullException.ThrowIfNull(fetchValue);
        _fetchValue = fetchValue;
        DefaultMaxAge = defaultMaxAge;
        Validators = new PrimitiveArrayClaimValidators<T>(this);
    }

    /// <summary>The max age of validators made without one.</summary>
    public TimeSpan? DefaultMaxAge { get; }

    /// <summary>This claim's validators.</summary>
    public PrimitiveArrayClaimValidators<T> Validators { get; }

    /// <summary>Fetches the current values.</summary>
    /// <param name="context">Whose session, and the request.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The values, or none.</returns>
    public ValueTask<ClaimValue<IReadOnlyList<T>>> FetchValueAsync(SessionClaimFetchContext context, CancellationToken cancellationToken) =>
        _fetchValue(context, cancellationToken);

    /// <inheritdoc />
    public override async ValueTask<JsonNode?> FetchValueAsJsonAsync(SessionClaimFetchContext context, CancellationToken cancellationToken)
    {
        var value = await _fetchValue(context, cancellationToken).ConfigureAwait(false);
        return value.HasValue && value.Value is not null ? ClaimJson.ToArray(value.Value) : null;
    }

    /// <summary>The values stored in <paramref name="payload"/>, or none (absent, or not an array of <typeparamref name="T"/>).</summary>
    /// <param name="payload">An access-token payload.</param>
    /// <returns>The values, or none.</returns>
    public ClaimValue<IReadOnlyList<T>> GetValueFromPayload(JsonObject payload) =>
        ClaimJson.TryReadArray<T>(GetJsonValueFromPayload(payload), out var values) ? values : ClaimValue<IReadOnlyList<T>>.None;
}
