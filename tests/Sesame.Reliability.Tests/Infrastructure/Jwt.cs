using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore.Storage;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>Takes tokens apart and forges new ones: with a stranger's key, with no signature, or with the server's real key.</summary>
internal static class Jwt
{
    public static JsonObject Header(string token) => Decode(token.Split('.')[0]);

    public static JsonObject Payload(string token) => Decode(token.Split('.')[1]);

    public static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>RS256-signs header and payload with <paramref name="rsa"/>.</summary>
    public static string Sign(JsonObject header, JsonObject payload, RSA rsa)
    {
        var input = Encode(header) + "." + Encode(payload);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Encode(signature);
    }

    /// <summary>
    /// The server's newest signing key, read from its store and decrypted with its Data Protection key ring (only a holder of both
    /// could do what the tests then do).
    /// </summary>
    public static async Task<(string KeyId, RSA Key)> ServerKeyAsync(SesameTestServer server)
    {
        var keys = await server.Services.GetRequiredService<ISessionStore>().GetSigningKeysAsync(CancellationToken.None);
        var newest = keys.First(k => k.Algorithm == "RS256");
        var protector = server.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("Sesame.AspNetCore.KeyMaterial.v1");
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(newest.IsProtected ? protector.Unprotect(newest.PrivateKeyPkcs8) : newest.PrivateKeyPkcs8, out _);
        return (newest.KeyId, rsa);
    }

    /// <summary>Whether two tokens decode to the same bytes segment by segment (base64url has spare bits, so two texts can).</summary>
    public static bool SameBytes(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        if (x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            // Equal text is the same segment, also where it is not base64url (a refresh token's key id, e.g. "r-1796542563213").
            if (string.Equals(x[i], y[i], StringComparison.Ordinal))
            {
                continue;
            }

            if (!TryDecode(x[i], out var bx) || !TryDecode(y[i], out var by) || !bx.AsSpan().SequenceEqual(by))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryDecode(string text, out byte[] bytes)
    {
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private static JsonObject Decode(string segment) => (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(segment))!;
}
