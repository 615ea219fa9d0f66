using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Sesame.AspNetCore.Internal;

/// <summary>Hashes and encodings shared by the token code.</summary>
internal static class TokenCrypto
{
    /// <summary>H(x) of the protocol: lowercase hex SHA-256 of the UTF-8 bytes.</summary>
    public static string Sha256Hex(string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(hash);
#else
        return Convert.ToHexString(hash).ToLowerInvariant();
#endif
    }

    /// <summary>Constant-time equality of two ASCII strings (hashes, anti-CSRF tokens).</summary>
    public static bool FixedTimeEquals(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));
    }

    public static string RandomBase64Url(int byteCount)
    {
        Span<byte> bytes = stackalloc byte[byteCount];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
