using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

/// <summary>A claim holding an array of JSON primitives, as the official client's <c>PrimitiveArrayClaim</c>.</summary>
/// <typeparam name="T">The element type.</typeparam>
public class PrimitiveArrayClaim<T> : ClientClaim
    where T : notnull
{
    /// <summary>Creates the claim.</summary>
    /// <param name="id">The payload property that holds it.</param>
    /// <param name="refresh">Asks the API to refresh it.</param>
    /// <param name="defaultMaxAge">The max age of validators made without one (at least 7 s).</param>
    public PrimitiveArrayClaim(string id, Func<CancellationToken, Task> refresh, TimeSpan? defaultMaxAge = null)
        : base(id, refresh, defaultMaxAge)
    {
    }

    /// <summary>The values in <paramref name="payload"/>, or none.</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <returns>The values or none.</returns>
    public ClaimValue<IReadOnlyList<T>> GetValueFromPayload(JsonElement payload) =>
        RawValue(payload) is { } raw && TryReadArray(raw, out var values) ? new(true, values) : default;

    /// <summary>Valid when the array contains <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="maxAge">How old it may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator Includes(T value, TimeSpan? maxAge = null, string? id = null) =>
        Make(a => a.Contains(value), "expectedToInclude", ToNode(value), null, maxAge, id);

    /// <summary>Valid when the array does not contain <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="maxAge">How old it may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator Excludes(T value, TimeSpan? maxAge = null, string? id = null) =>
        Make(a => !a.Contains(value), "expectedToNotInclude", ToNode(value), null, maxAge, id);

    /// <summary>Valid when the array contains all of <paramref name="values"/>.</summary>
    /// <param name="values">The values.</param>
    /// <param name="maxAge">How old it may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator IncludesAll(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null) =>
        Make(a => values.All(a.Contains), "expectedToInclude", Array(values), null, maxAge, id);

    /// <summary>Valid when the array contains at least one of <paramref name="values"/>.</summary>
    /// <param name="values">The values.</param>
    /// <param name="maxAge">How old it may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator IncludesAny(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null) =>
        Make(a => values.Any(a.Contains), "expectedToIncludeAtLeastOneOf", Array(values), "expectedToNotInclude", maxAge, id);

    /// <summary>Valid when the array contains none of <paramref name="values"/>.</summary>
    /// <param name="values">The values.</param>
    /// <param name="maxAge">How old it may be.</param>
    /// <param name="id">The id in error lists.</param>
    /// <returns>The validator.</returns>
    public ClientClaimValidator ExcludesAll(IReadOnlyList<T> values, TimeSpan? maxAge = null, string? id = null) =>
        Make(a => !values.Any(a.Contains), "expectedToNotInclude", Array(values), null, maxAge, id);

    private static JsonArray Array(IReadOnlyList<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(ToNode(value));
        }

        return array;
    }

    private static bool TryReadArray(JsonElement raw, out T[] values)
    {
        values = [];
        if (raw.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var result = new T[raw.GetArrayLength()];
        var i = 0;
        foreach (var item in raw.EnumerateArray())
        {
            if (!TryRead(item, out result[i++]))
            {
                return false;
            }
        }

        values = result;
        return true;
    }

    private ValueValidator Make(Func<T[], bool> check, string expectedName, JsonNode expected, string? missingName, TimeSpan? maxAge, string? id)
    {
        CheckMaxAge(maxAge);
        return new ValueValidator(id ?? Id, this, maxAge ?? DefaultMaxAge, raw => TryReadArray(raw, out var a) && check(a),
            missing => new JsonObject { [missing && missingName is not null ? missingName : expectedName] = expected.DeepClone() });
    }
}
