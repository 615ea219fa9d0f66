using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Mints and reads refresh tokens: <c>keyId "." base64url(json) "." base64url(HMAC-SHA256(key, keyId "." base64url(json)))</c>.
/// The JSON carries the session handle, the parent's hash (needed to recognise "a child of the current token"), 32 random bytes
/// and the anti-CSRF token. The MAC makes tokens unforgeable without a database lookup; the MAC keys live in the key ring
/// (encrypted in the store, rotated, shared by every instance), and the key id says which one signed the token. Tokens minted
/// before key ids existed (<c>base64url(json) "." mac</c>, MAC over the JSON segment) verify with the legacy key while it is kept.
/// </summary>
internal sealed class RefreshTokenCodec(SigningKeyRing keys)
{
    // A real token is ~270 characters; anything much larger is hostile and not worth decoding.
    private const int MaxTokenLength = 4096;

    // Key ids are ours ("r-<ms>", "r-legacy", maybe a short random suffix); anything else is not worth a lookup.
    private const int MaxKeyIdLength = 48;

    private static readonly System.Buffers.SearchValues<char> KeyIdCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public async Task<string> CreateAsync(string sessionHandle, string? parentRefreshTokenHash1, string? antiCsrfToken, CancellationToken cancellationToken)
    {
        var key = await keys.GetRefreshKeyAsync(cancellationToken).ConfigureAwait(false);
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

        var signed = key.KeyId + "." + Base64Url.EncodeToString(json.WrittenSpan);
        var mac = HMACSHA256.HashData(key.Secret, Encoding.ASCII.GetBytes(signed));
        return signed + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>Returns the content, or <see langword="null"/> for anything that is not a token we minted.</summary>
    public async Task<RefreshTokenContent?> TryReadAsync(string token, CancellationToken cancellationToken)
    {
        _ = cancellationToken; // the only I/O is the key ring's rate-limited reload, which is not tied to one request
        if (token.Length is 0 or > MaxTokenLength)
        {
            return null;
        }

        // Three segments (key id, body, MAC) or, minted before key ids, two (body, MAC) signed with the legacy key.
        var lastDot = token.LastIndexOf('.');
        if (lastDot <= 0 || lastDot == token.Length - 1)
        {
            return null;
        }

        var signed = token[..lastDot];
        var firstDot = signed.IndexOf('.', StringComparison.Ordinal);
        string keyId;
        int bodyStart;
        if (firstDot < 0)
        {
            keyId = SigningKeyRing.LegacyRefreshKeyId;
            bodyStart = 0;
        }
        else
        {
            var idText = signed.AsSpan(0, firstDot);
            bodyStart = firstDot + 1;
            if (idText.Length is 0 or > MaxKeyIdLength || bodyStart == signed.Length || signed.IndexOf('.', bodyStart) >= 0
                || idText.ContainsAnyExcept(KeyIdCharacters) || idText.SequenceEqual(SigningKeyRing.LegacyRefreshKeyId))
            {
                return null;
            }

            keyId = idText.ToString();
        }

        // The MAC is 32 bytes: 43 base64url characters without padding.
        var macText = token.AsSpan(lastDot + 1);
        if (macText.Length != 43 || !Base64Url.IsValid(macText))
        {
            return null;
        }

        var presentedMac = new byte[HMACSHA256.HashSizeInBytes];
        if (Base64Url.DecodeFromChars(macText, presentedMac) != HMACSHA256.HashSizeInBytes)
        {
            return null;
        }

        // A key id this instance does not know may be another instance's newer key: one rate-limited reload.
        var key = keys.FindRefreshKey(keyId) ?? await keys.FindRefreshKeyAfterReloadAsync(keyId).ConfigureAwait(false);
        if (key is null)
        {
            return null;
        }

        var expectedMac = HMACSHA256.HashData(key.Secret, Encoding.ASCII.GetBytes(signed));
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac))
        {
            return null;
        }

        // Past the MAC the JSON is our own, but parse defensively anyway.
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(signed.AsSpan(bodyStart)));
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
}
