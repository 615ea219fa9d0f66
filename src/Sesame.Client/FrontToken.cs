using System.Text;
using System.Text.Json;

namespace Sesame.Client;

/// <summary>
/// The session as the server describes it to the client: the decoded <c>front-token</c> header (base64 of UTF-8 JSON
/// <c>{"uid":…,"ate":epochMs,"up":{…}}</c>), also kept in the <c>sFrontToken</c> cookie by browsers. Readable by design: it holds
/// nothing secret, and the client does not verify it (the server does, on the access token it mirrors).
/// </summary>
public sealed class FrontToken
{
    // DateTimeOffset's range in Unix milliseconds (MinValue and MaxValue).
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;
    private static readonly JsonElement s_emptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private FrontToken(string userId, long accessTokenExpiryMilliseconds, long? issuedAtMilliseconds, JsonElement payload, string payloadJson)
    {
        UserId = userId;
        AccessTokenExpiryMilliseconds = accessTokenExpiryMilliseconds;
        IssuedAtMilliseconds = issuedAtMilliseconds;
        Payload = payload;
        PayloadJson = payloadJson;
    }

    /// <summary>The session's user id (<c>uid</c>).</summary>
    public string UserId { get; }

    /// <summary>When the current access token expires (<c>ate</c>), by the server's clock; after that the next call refreshes the session.</summary>
    public DateTimeOffset AccessTokenExpiresAt => AccessTokenExpiryMilliseconds switch
    {
        // A token is not an error source: an absurd expiry saturates instead of throwing from a property getter.
        < MinUnixMilliseconds => DateTimeOffset.MinValue,
        > MaxUnixMilliseconds => DateTimeOffset.MaxValue,
        var ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
    };

    /// <summary>The access-token payload (<c>up</c>): a detached JSON object, empty when the token carries none.</summary>
    public JsonElement Payload { get; }

    /// <summary>Access-token expiry in Unix milliseconds: what the refresh check compares, without a conversion per request.</summary>
    internal long AccessTokenExpiryMilliseconds { get; }

    /// <summary>When the access token was issued (the payload's <c>iat</c>, seconds, as Unix ms) by the server's clock, or null when the payload
    /// has no numeric <c>iat</c>. With <see cref="AccessTokenExpiryMilliseconds"/> it gives the token's lifetime (docs/protocol/refresh.md#proactive-refresh).</summary>
    internal long? IssuedAtMilliseconds { get; }

    /// <summary>The payload exactly as received (<c>"null"</c> when absent), compared to detect payload updates.</summary>
    internal string PayloadJson { get; }

    /// <summary>Decodes a front token.</summary>
    /// <param name="value">The header or cookie value, or null.</param>
    /// <returns>The decoded token, or null if absent or unreadable (not base64, not JSON, or without a string <c>uid</c> and a numeric <c>ate</c>).</returns>
    public static FrontToken? TryParse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(value.Trim()));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("uid", out var uid) || uid.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("ate", out var ate) || ate.ValueKind != JsonValueKind.Number)
            {
                return null;
            }

            var hasPayload = root.TryGetProperty("up", out var up);
            var payload = hasPayload && up.ValueKind == JsonValueKind.Object ? up.Clone() : s_emptyObject;
            long? issuedAt = payload.TryGetProperty("iat", out var iat) && iat.ValueKind == JsonValueKind.Number ? SaturatingToInt64(iat.GetDouble() * 1000) : null;
            return new FrontToken(uid.GetString()!, SaturatingToInt64(ate.GetDouble()), issuedAt, payload, hasPayload ? up.GetRawText() : "null");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    // An out-of-range double-to-long cast saturates from .NET 9 on but gives long.MinValue on .NET 8 (x64): clamp explicitly so
    // an absurd expiry means "never" or "long ago" on both runtimes. 2^63 is the first double above long.MaxValue.
    private static long SaturatingToInt64(double value) =>
        value >= 9.223372036854775808E18 ? long.MaxValue : value <= long.MinValue ? long.MinValue : (long)value;
}
