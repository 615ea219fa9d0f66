using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sesame.Testing.Server;

/// <summary>
/// What an attacker who reads the session store does with it (the security review's proof of concept): try the stored bytes as a
/// private key and mint tokens with them. Shared by the SQLite and PostgreSQL key-material tests.
/// </summary>
public static class KeyMaterialForgery
{
    /// <summary>True when the stored bytes import as a usable PKCS#8 RSA private key.</summary>
    public static bool ImportsAsPkcs8(byte[] stored)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(stored, out _);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A v5 access token for <paramref name="userId"/> signed with the stored key, or (when it does not import) a random key
    /// under its kid. Times default to now and now + 30 min (real clock); tests on a fake clock pass their own.</summary>
    public static string ForgeAccessToken(string keyId, byte[] stored, string userId, string? sessionHandle = null, string? refreshTokenHash1 = null,
        long? issuedAtSeconds = null, long? expiresAtSeconds = null)
    {
        using var rsa = RSA.Create(2048);
        if (ImportsAsPkcs8(stored))
        {
            rsa.ImportPkcs8PrivateKey(stored, out _);
        }

        var now = DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = keyId, ["version"] = "5" };
        var payload = new JsonObject
        {
            ["sub"] = userId,
            ["exp"] = expiresAtSeconds ?? now.AddMinutes(30).ToUnixTimeSeconds(),
            ["iat"] = issuedAtSeconds ?? now.ToUnixTimeSeconds(),
            ["tId"] = "public",
            ["rsub"] = userId,
            ["sessionHandle"] = sessionHandle ?? Guid.NewGuid().ToString(),
            ["refreshTokenHash1"] = refreshTokenHash1 ?? new string('a', 64),
            ["parentRefreshTokenHash1"] = null,
            ["antiCsrfToken"] = null,
        };
        var signingInput = Encode(header) + "." + Encode(payload);
        return signingInput + "." + Base64Url(rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>A refresh token MACed with <paramref name="secret"/>: with a key id (current format) or without (previous format).</summary>
    public static string ForgeRefreshToken(byte[] secret, string? keyId, string sessionHandle)
    {
        var body = Encode(new JsonObject
        {
            ["sessionHandle"] = sessionHandle, ["parentRefreshTokenHash1"] = null, ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(32)), ["antiCsrfToken"] = null,
        });
        var signed = keyId is null ? body : keyId + "." + body;
        return signed + "." + Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signed)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Encode(JsonNode node) => Base64Url(Encoding.UTF8.GetBytes(node.ToJsonString()));
}
