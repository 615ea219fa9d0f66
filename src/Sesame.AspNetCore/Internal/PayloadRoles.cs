using System.Text.Json;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The access-token payload's <c>roles</c> claim (an array of strings) that the authentication handler turns into role claims, so
/// <c>[Authorize(Roles = …)]</c> and <c>IsInRole</c> work on Sesame sessions. A minimal mapping: other claims stay in the payload.
/// </summary>
internal static class PayloadRoles
{
    /// <summary>The payload claim holding the roles.</summary>
    public const string ClaimName = "roles";

    /// <summary>The string items of the payload's <c>roles</c> array; non-string items are skipped, anything else gives none.</summary>
    public static string[] Read(string payloadJson)
    {
        // Cheap pre-check: most payloads have no roles, and parsing them would be wasted.
        if (!payloadJson.Contains("\"roles\"", StringComparison.Ordinal))
        {
            return [];
        }

        using var document = JsonDocument.Parse(payloadJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty(ClaimName, out var roles) || roles.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var result = new List<string>(roles.GetArrayLength());
        foreach (var item in roles.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } role)
            {
                result.Add(role);
            }
        }

        return [.. result];
    }
}
