using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Sesame.Client;

/// <summary>The token file's JSON: <c>{"format":"sesame.client.tokens","version":1,…}</c>.</summary>
internal static class TokenFileFormat
{
    public static void Write(IBufferWriter<byte> output, SessionTokens tokens)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("format", FileTokenStore.FormatName);
        writer.WriteNumber("version", FileTokenStore.FormatVersion);
        WriteOptional(writer, "frontToken", tokens.FrontToken);
        WriteOptional(writer, "accessToken", tokens.AccessToken);
        WriteOptional(writer, "refreshToken", tokens.RefreshToken);
        WriteOptional(writer, "antiCsrfToken", tokens.AntiCsrfToken);
        if (tokens.LastAccessTokenUpdate is { } stamp)
        {
            writer.WriteNumber("lastAccessTokenUpdate", stamp);
        }

        writer.WriteStartArray("cookies");
        foreach (var cookie in tokens.Cookies)
        {
            writer.WriteStartObject();
            writer.WriteString("name", cookie.Name);
            writer.WriteString("value", cookie.Value);
            writer.WriteString("domain", cookie.Domain);
            writer.WriteString("path", cookie.Path);
            if (cookie.Expires is { } expires)
            {
                writer.WriteString("expires", expires.ToString("O", CultureInfo.InvariantCulture));
            }

            writer.WriteBoolean("hostOnly", cookie.HostOnly);
            writer.WriteBoolean("secure", cookie.Secure);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Parses a token file; returns null and a reason (never a token value) when it is not a valid one.</summary>
    public static SessionTokens? Read(byte[] bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length == 0)
        {
            problem = "the file is empty";
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != FileTokenStore.FormatName)
            {
                problem = $"it is not a Sesame token file (no \"format\":\"{FileTokenStore.FormatName}\")";
                return null;
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FileTokenStore.FormatVersion)
            {
                problem = $"unsupported token file version (this client reads version {FileTokenStore.FormatVersion})";
                return null;
            }

            var cookies = ImmutableArray.CreateBuilder<StoredCookie>();
            if (root.TryGetProperty("cookies", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var c in array.EnumerateArray())
                {
                    DateTimeOffset? expires = c.TryGetProperty("expires", out var e) && e.ValueKind == JsonValueKind.String
                        ? DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                        : null;
                    cookies.Add(new StoredCookie(
                        RequiredString(c, "name"), RequiredString(c, "value"), RequiredString(c, "domain"), RequiredString(c, "path"),
                        expires, c.GetProperty("hostOnly").GetBoolean(), c.TryGetProperty("secure", out var s) && s.GetBoolean()));
                }
            }

            return new SessionTokens
            {
                FrontToken = OptionalString(root, "frontToken"),
                AccessToken = OptionalString(root, "accessToken"),
                RefreshToken = OptionalString(root, "refreshToken"),
                AntiCsrfToken = OptionalString(root, "antiCsrfToken"),
                LastAccessTokenUpdate = root.TryGetProperty("lastAccessTokenUpdate", out var stamp) && stamp.ValueKind == JsonValueKind.Number ? stamp.GetInt64() : null,
                Cookies = cookies.ToImmutable(),
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            problem = "the file is corrupt or truncated (" + ex.GetType().Name + ")";
            return null;
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            _ => throw new FormatException(name),
        } : null;

    private static string RequiredString(JsonElement e, string name) =>
        e.GetProperty(name).GetString() ?? throw new FormatException(name);
}
