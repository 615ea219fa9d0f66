using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// A session claim in the model of the official SDKs: a named value kept in the access-token payload as
/// <c>{"&lt;key&gt;":{"v":value,"t":fetchedAtUnixMs}}</c>, with a way to fetch its current value. Claims listed in
/// <see cref="SesameServerOptions.Claims"/> are fetched when a session is created; validators (<see cref="SessionClaimValidator"/>) fetch
/// a claim again when its value is missing or older than their max age. Derive from <see cref="PrimitiveClaim{T}"/>,
/// <see cref="PrimitiveArrayClaim{T}"/> or <see cref="BooleanClaim"/>, or from this class for another shape.
/// </summary>
public abstract class SessionClaim
{
    /// <summary>Creates a claim stored under <paramref name="key"/>.</summary>
    /// <param name="key">The payload property that holds the claim.</param>
    protected SessionClaim(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (Internal.AccessTokenService.Reserved.Contains(key) || key == "iss")
        {
            throw new ArgumentException($"'{key}' is a protocol claim of the access token and cannot be a session claim's key.", nameof(key));
        }

        Key = key;
    }

    /// <summary>The payload property that holds the claim.</summary>
    public string Key { get; }

    /// <summary>
    /// Fetches the claim's current value as JSON (<see langword="null"/>: no value; the payload is then left as it is).
    /// </summary>
    /// <param name="context">Whose session, and the request.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public abstract ValueTask<JsonNode?> FetchValueAsJsonAsync(SessionClaimFetchContext context, CancellationToken cancellationToken);

    /// <summary>The payload changes that store <paramref name="value"/>: <c>{"key":{"v":value,"t":fetchedAt}}</c>.</summary>
    /// <param name="value">The value as JSON.</param>
    /// <param name="fetchedAt">When it was fetched (the <c>t</c> field, Unix milliseconds).</param>
    /// <returns>A new object holding only this claim, to merge into the payload.</returns>
    public JsonObject BuildPayloadUpdate(JsonNode value, DateTimeOffset fetchedAt)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new JsonObject { [Key] = new JsonObject { ["v"] = value.DeepClone(), ["t"] = fetchedAt.ToUnixTimeMilliseconds() } };
    }

    /// <summary>The payload change that removes this claim (merged by <see cref="ISessionService.UpdateAccessTokenPayloadAsync(HttpContext, JsonObject, CancellationToken)"/>).</summary>
    /// <returns><c>{"key":null}</c>.</returns>
    public JsonObject BuildRemoval() => new() { [Key] = null };

    /// <summary>The claim's stored value as JSON (the <c>v</c> field), or <see langword="null"/> when the payload does not hold it.</summary>
    /// <param name="payload">An access-token payload.</param>
    /// <returns>The value node, or null.</returns>
    public JsonNode? GetJsonValueFromPayload(JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload[Key] is JsonObject stored && stored.TryGetPropertyValue("v", out var value) ? value : null;
    }

    /// <summary>When the stored value was fetched (the <c>t</c> field, Unix milliseconds), or <see langword="null"/>.</summary>
    /// <param name="payload">An access-token payload.</param>
    /// <returns>The fetch time, or null.</returns>
    public long? GetLastFetchedTime(JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload[Key] is not JsonObject stored || stored["t"] is not JsonValue t || t.GetValueKind() != System.Text.Json.JsonValueKind.Number)
        {
            return null;
        }

        // A parsed token holds any JSON number; a value set in this process holds a long.
        return t.TryGetValue(out long ms) ? ms : t.TryGetValue(out double fractional) ? (long)fractional : null;
    }
}
