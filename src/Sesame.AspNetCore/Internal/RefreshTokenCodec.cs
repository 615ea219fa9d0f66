using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>What a refresh token says about itself once its MAC checked out.</summary>
internal sealed record RefreshTokenContent(string SessionHandle, string? ParentRefreshTokenHash1, string? AntiCsrfToken);

/// <summary>
/// Mints and reads refresh tokens: <c>base64url(json) "." base64url(HMAC-SHA256(secret, first segment))</c>. The JSON
/// carries the session handle, the parent's hash (needed to recognise "a child of the current token"), 32 random
/// bytes and the anti-CSRF token. The MAC makes tokens unforgeable without a database lookup; the secret is one
/// random value per deployment kept in the store, so every instance agrees.
/// </summary>
internal sealed class RefreshTokenCodec(ISessionStore store)
{
    private const string SecretName = "refresh_token_key";

    // A real token is ~250 characters; anything much larger is hostile and not worth decoding.
    private const int MaxTokenLength = 4096;

    private byte[]? _secret;

    public async Task<string> CreateAsync(string sessionHandle, string? parentRefreshTokenHash1, string? antiCsrfToken, CancellationToken cancellationToken)
    {
        var secret = await GetSecretAsync(cancellationToken).ConfigureAwait(false);
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("sessionHandle", sessionHandle);
            writer.WriteString("parentRefreshTokenHash1", parentRefreshTokenHash1);
            writer.WriteString("nonce", TokenCrypto.RandomBase64Url(32));
            writer.WriteString("antiCsrfToken", antiCsrfToken);
            writer.WriteEndObject();
        }

        var body = Base64Url.EncodeToString(json.WrittenSpan);
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(body));
        return body + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>Returns the content, or <see langword="null"/> for anything that is not a token we minted.</summary>
    public async Task<RefreshTokenContent?> TryReadAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1 || token.IndexOf('.', dot + 1) >= 0)
        {
            return null;
        }

        // The MAC is 32 bytes: 43 base64url characters without padding.
        var macText = token.AsSpan(dot + 1);
        if (macText.Length != 43 || !Base64Url.IsValid(macText))
        {
            return null;
        }

        var presentedMac = new byte[HMACSHA256.HashSizeInBytes];
        if (Base64Url.DecodeFromChars(macText, presentedMac) != HMACSHA256.HashSizeInBytes)
        {
            return null;
        }

        var body = token[..dot];
        var secret = await GetSecretAsync(cancellationToken).ConfigureAwait(false);
        var expectedMac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(body));
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac))
        {
            return null;
        }

        // Past the MAC the JSON is our own, but parse defensively anyway.
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(body));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("sessionHandle", out var handle) || handle.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            return new RefreshTokenContent(handle.GetString()!, OptionalString(root, "parentRefreshTokenHash1"), OptionalString(root, "antiCsrfToken"));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private async ValueTask<byte[]> GetSecretAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } cached)
        {
            return cached;
        }

        // Concurrent first calls may both ask the store; it returns the same value to all, so the race is harmless.
        var secret = await store.GetOrCreateSecretAsync(SecretName, static () => RandomNumberGenerator.GetBytes(32), cancellationToken)
            .ConfigureAwait(false);
        _secret = secret;
        return secret;
    }
}
