using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.Client.Claims;

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
