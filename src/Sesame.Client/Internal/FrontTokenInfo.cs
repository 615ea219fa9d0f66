using System.Text;
using System.Text.Json;

namespace Sesame.Client.Internal;

/// <summary>The decoded front token: base64 of UTF-8 JSON <c>{"uid":…,"ate":epochMs,"up":{…}}</c> (protocol/server.md §3).</summary>
internal sealed class FrontTokenInfo
{
    private FrontTokenInfo(string userId, long accessTokenExpiry, JsonElement payload, string payloadJson)
    {
        UserId = userId;
        AccessTokenExpiry = accessTokenExpiry;
        Payload = payload;
        PayloadJson = payloadJson;
    }

    public string UserId { get; }

    /// <summary>Access-token expiry, Unix milliseconds.</summary>
    public long AccessTokenExpiry { get; }

    /// <summary>The access-token payload (a detached clone).</summary>
    public JsonElement Payload { get; }

    /// <summary>The payload as raw JSON, compared to detect payload updates.</summary>
    public string PayloadJson { get; }

    public static FrontTokenInfo? TryParse(string token)
    {
        try
        {
            var bytes = Convert.FromBase64String(token.Trim());
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("uid", out var uid) || uid.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("ate", out var ate) || ate.ValueKind != JsonValueKind.Number)
            {
                return null;
            }

            var payload = root.TryGetProperty("up", out var up) ? up.Clone() : default;
            var payloadJson = payload.ValueKind == JsonValueKind.Undefined ? "null" : payload.GetRawText();
            return new FrontTokenInfo(uid.GetString()!, (long)ate.GetDouble(), payload, payloadJson);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
