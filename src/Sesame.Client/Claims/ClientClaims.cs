using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

/// <summary>A claim value read from the payload, which may be absent.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="HasValue">Whether the payload holds a value of that type.</param>
/// <param name="Value">The value (default when absent).</param>
public readonly record struct ClaimValue<T>(bool HasValue, T Value);

/// <summary>One failed validator: <c>{"id":…,"reason":…}</c>, as in the server's 403 body and <c>validateClaims</c>'s result.</summary>
/// <param name="Id">The validator's id.</param>
/// <param name="Reason">Why it failed (a detached JSON value), or null.</param>
public sealed record ClaimValidationError(string Id, JsonElement? Reason);

/// <summary>The outcome of one client-side validator.</summary>
/// <param name="IsValid">Whether the claim is valid.</param>
/// <param name="Reason">Why not, or null.</param>
public sealed record ClaimValidationResult(bool IsValid, JsonNode? Reason)
{
    /// <summary>Valid.</summary>
    public static ClaimValidationResult Valid { get; } = new(true, null);
}

/// <summary>
/// A client-side claim validator, as the official client's <c>SessionClaimValidator</c>: <see cref="ShouldRefresh"/> says the claim is
/// missing or too old, <see cref="RefreshAsync"/> asks the API to refresh it (e.g. a call to an endpoint that fetches it), and
/// <see cref="Validate"/> checks the payload. Used by <c>ValidateClaimsAsync</c>.
/// </summary>
public abstract class ClientClaimValidator
{
    /// <summary>Creates a validator.</summary>
    /// <param name="id">Its id in error lists.</param>
    protected ClientClaimValidator(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
    }

    /// <summary>The id reported when the validator fails.</summary>
    public string Id { get; }

    /// <summary>Whether the claim should be refreshed before validation.</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <param name="serverNow">The server's current time as the client estimates it (its clock corrected by the measured skew).</param>
    /// <returns>True to refresh.</returns>
    public virtual bool ShouldRefresh(JsonElement payload, DateTimeOffset serverNow) => false;

    /// <summary>Refreshes the claim (calls the API). Failures are logged and ignored, as the official client does.</summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>A task that completes when refreshed.</returns>
    public virtual Task RefreshAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks the payload.</summary>
    /// <param name="payload">The access-token payload (after refreshes).</param>
    /// <param name="serverNow">The server's current time as the client estimates it.</param>
    /// <returns>Valid, or invalid with a reason.</returns>
    public abstract ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow);

    /// <summary>A custom validator that never refreshes.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="validate">The check.</param>
    /// <returns>The validator.</returns>
    public static ClientClaimValidator Create(string id, Func<JsonElement, ClaimValidationResult> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return new DelegateValidator(id, validate);
    }

    private sealed class DelegateValidator(string id, Func<JsonElement, ClaimValidationResult> validate) : ClientClaimValidator(id)
    {
        public override ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow) => validate(payload);
    }
}

/// <summary>What the client's claims share: the key, the refresh call and the default max age.</summary>
public abstract class ClientClaim
{
    // The official client refuses shorter max ages: the clock skew it measures is only trusted from 7 s on.
    internal static readonly TimeSpan MinimumMaxAge = TimeSpan.FromSeconds(7);

    /// <summary>Creates the claim.</summary>
    /// <param name="id">The payload property that holds it (the server claim's key).</param>
    /// <param name="refresh">Asks the API to refresh the claim (e.g. calls an endpoint that fetches it).</param>
    /// <param name="defaultMaxAge">The max age of validators made without one.</param>
    protected ClientClaim(string id, Func<CancellationToken, Task> refresh, TimeSpan? defaultMaxAge)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(refresh);
        CheckMaxAge(defaultMaxAge);
        Id = id;
        Refresh = refresh;
        DefaultMaxAge = defaultMaxAge;
    }

    /// <summary>The payload property that holds the claim.</summary>
    public string Id { get; }

    /// <summary>Asks the API to refresh the claim.</summary>
    public Func<CancellationToken, Task> Refresh { get; }

    /// <summary>The max age of validators made without one.</summary>
    public TimeSpan? DefaultMaxAge { get; }

    /// <summary>When the stored value was fetched (Unix ms), or null.</summary>
    /// <param name="payload">The access-token payload.</param>
    /// <returns>The fetch time or null.</returns>
    public long? GetLastFetchedTime(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(Id, out var stored) && stored.ValueKind == JsonValueKind.Object
        && stored.TryGetProperty("t", out var t) && t.ValueKind == JsonValueKind.Number ? (long)t.GetDouble() : null;

    internal JsonElement? RawValue(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(Id, out var stored) && stored.ValueKind == JsonValueKind.Object
        && stored.TryGetProperty("v", out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    internal static void CheckMaxAge(TimeSpan? maxAge)
    {
        if (maxAge is { } age && age < MinimumMaxAge)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAge), age, $"maxAge must be at least {MinimumMaxAge.TotalSeconds} s (the clock-skew threshold).");
        }
    }

    internal static bool TryRead<T>(JsonElement element, out T value)
    {
        value = default!;
        object? read = typeof(T) switch
        {
            var t when t == typeof(string) => element.ValueKind == JsonValueKind.String ? element.GetString() : null,
            var t when t == typeof(bool) => element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean() : null,
            var t when t == typeof(int) => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var i) ? i : null,
            var t when t == typeof(long) => element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var l) ? l : null,
            var t when t == typeof(double) => element.ValueKind == JsonValueKind.Number ? element.GetDouble() : null,
            var t when t == typeof(decimal) => element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var m) ? m : null,
            _ => throw new NotSupportedException($"Claims hold JSON primitives: string, bool, int, long, double or decimal (not {typeof(T).Name})."),
        };
        if (read is null)
        {
            return false;
        }

        value = (T)read;
        return true;
    }

    internal static JsonNode ToNode<T>(T value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        _ => throw new NotSupportedException($"Claims hold JSON primitives, not {value?.GetType().Name ?? "null"}."),
    };
}

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

/// <summary>The built-in validators, with the official client's reasons ("value does not exist", "expired", "wrong value").</summary>
internal sealed class ValueValidator(string id, ClientClaim claim, TimeSpan? maxAge, Func<JsonElement, bool> isValid, Func<bool, JsonObject> expected)
    : ClientClaimValidator(id)
{
    public override bool ShouldRefresh(JsonElement payload, DateTimeOffset serverNow) =>
        claim.RawValue(payload) is null
        || (maxAge is { } age && (claim.GetLastFetchedTime(payload) ?? 0) < serverNow.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds);

    public override Task RefreshAsync(CancellationToken cancellationToken) => claim.Refresh(cancellationToken);

    public override ClaimValidationResult Validate(JsonElement payload, DateTimeOffset serverNow)
    {
        if (claim.RawValue(payload) is not { } raw)
        {
            var missing = new JsonObject { ["message"] = "value does not exist" };
            Append(missing, expected(true));
            return new ClaimValidationResult(false, missing);
        }

        if (maxAge is { } age)
        {
            var ageInSeconds = (serverNow.ToUnixTimeMilliseconds() - (claim.GetLastFetchedTime(payload) ?? 0)) / 1000.0;
            if (ageInSeconds > age.TotalSeconds)
            {
                return new ClaimValidationResult(false,
                    new JsonObject { ["message"] = "expired", ["ageInSeconds"] = ageInSeconds, ["maxAgeInSeconds"] = age.TotalSeconds });
            }
        }

        if (!isValid(raw))
        {
            var wrong = new JsonObject { ["message"] = "wrong value" };
            Append(wrong, expected(false));
            wrong["actualValue"] = JsonNode.Parse(raw.GetRawText());
            return new ClaimValidationResult(false, wrong);
        }

        return ClaimValidationResult.Valid;
    }

    private static void Append(JsonObject reason, JsonObject expectedValues)
    {
        foreach (var (name, node) in expectedValues)
        {
            reason[name] = node?.DeepClone();
        }
    }
}
