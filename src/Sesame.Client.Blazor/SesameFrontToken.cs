using System.Text;
using System.Text.Json;

namespace Sesame.Client.Blazor;

/// <summary>
/// What the front token tells the browser about the session: base64 of UTF-8 JSON <c>{"uid":…,"ate":epochMs,"up":{…}}</c> (the value of the
/// <c>front-token</c> header, kept in the <c>sFrontToken</c> cookie). Readable by design: it holds nothing secret.
/// </summary>
public sealed class SesameFrontToken
{
    private SesameFrontToken(string userId, DateTimeOffset accessTokenExpiresAt, JsonElement payload)
    {
        UserId = userId;
        AccessTokenExpiresAt = accessTokenExpiresAt;
        Payload = payload;
    }

    /// <summary>The session's user id (<c>uid</c>).</summary>
    public string UserId { get; }

    /// <summary>When the current access token expires (<c>ate</c>); after that the next call refreshes the session.</summary>
    public DateTimeOffset AccessTokenExpiresAt { get; }

    /// <summary>The access-token payload (<c>up</c>), a detached JSON object (empty object when absent).</summary>
    public JsonElement Payload { get; }

    /// <summary>Decodes a front token.</summary>
    /// <param name="frontToken">The token, or null.</param>
    /// <returns>The decoded token, or null if absent or unreadable.</returns>
    public static SesameFrontToken? TryParse(string? frontToken)
    {
        if (string.IsNullOrWhiteSpace(frontToken))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(frontToken.Trim()));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("uid", out var uid) || uid.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("ate", out var ate) || ate.ValueKind != JsonValueKind.Number)
            {
                return null;
            }

            var payload = root.TryGetProperty("up", out var up) && up.ValueKind == JsonValueKind.Object ? up.Clone() : EmptyObject;
            return new SesameFrontToken(uid.GetString()!, DateTimeOffset.FromUnixTimeMilliseconds((long)ate.GetDouble()), payload);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}
