using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>Conversions between claim values and JSON for the primitive types the claims support (no reflection-based serialisation).</summary>
internal static class ClaimJson
{
    public static bool IsSupported(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(double)
        || type == typeof(decimal) || type == typeof(float);

    public static void EnsureSupported<T>()
    {
        if (!IsSupported(typeof(T)))
        {
            throw new NotSupportedException(
                $"Session claims hold JSON primitives: string, bool, int, long, float, double or decimal (not {typeof(T).Name}).");
        }
    }

    public static JsonNode ToNode<T>(T value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        float f => JsonValue.Create(f),
        _ => throw new NotSupportedException($"A claim value of type {value?.GetType().Name ?? "null"} cannot be stored."),
    };

    public static JsonArray ToArray<T>(IEnumerable<T> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(ToNode(value));
        }

        return array;
    }

    /// <summary>Reads <paramref name="node"/> as a <typeparamref name="T"/>; false for another JSON kind (a number for a string claim…).</summary>
    public static bool TryRead<T>(JsonNode? node, out T value)
    {
        value = default!;
        if (node is not JsonValue json)
        {
            return false;
        }

        var kind = json.GetValueKind();
        if (typeof(T) == typeof(string) ? kind != JsonValueKind.String
            : typeof(T) == typeof(bool) ? kind is not (JsonValueKind.True or JsonValueKind.False)
            : kind != JsonValueKind.Number)
        {
            return false;
        }

        return json.TryGetValue(out value!);
    }

    public static bool TryReadArray<T>(JsonNode? node, out T[] values)
    {
        values = [];
        if (node is not JsonArray array)
        {
            return false;
        }

        var result = new T[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            if (!TryRead<T>(array[i], out result[i]))
            {
                return false;
            }
        }

        values = result;
        return true;
    }
}
