using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

/// <summary>A claim holding one JSON primitive, as the official client's <c>PrimitiveClaim</c>.</summary>
/// <typeparam name="T">string, bool, int, long, double or decimal.</typeparam>
public class PrimitiveClaim<T> : ClientClaim
    where T : notnull
{
    /// <summary>Creates the claim.</summary>
    /// <param name="id">The payload property that holds it.</param>
    /// <param name="refresh">Asks the API to refresh it.</param>
    /// <param name="defaultMaxAge">The max age of validators made without one (at least 7 s).</param>
    public PrimitiveClaim(string id, Func<CancellationToken, Task> refresh, TimeSpan? defaultMaxAge = null)
        : base(id, refresh, defaultMaxAge)
    {
    }

    /// <summary>The value in <paramref name="payload"/>, or none.</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <returns>The value or none.</returns>
    public ClaimValue<T> GetValueFromPayload(JsonElement payload) =>
        RawValue(payload) is { } raw && TryRead<T>(raw, out var value) ? new(true, value) : default;

    /// <summary>Valid when the claim equals <paramref name="value"/> (and, with a max age, is at most that old); refreshed when missing or older.</summary>
    /// <param name="value">The expected value.</param>
    /// <param name="maxAge">How old it may be; null: the claim's default.</param>
    /// <param name="id">The id in error lists; default the claim's id.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator HasValue(T value, TimeSpan? maxAge = null, string? id = null)
    {
        CheckMaxAge(maxAge);
        return new ValueValidator(id ?? Id, this, maxAge ?? DefaultMaxAge,
            raw => TryRead<T>(raw, out var actual) && EqualityComparer<T>.Default.Equals(actual, value),
            _ => new JsonObject { ["expectedValue"] = ToNode(value) });
    }
}
