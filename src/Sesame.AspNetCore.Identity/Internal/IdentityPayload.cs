using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>
/// The access-token payload of an Identity user: the claims of its principal (<c>IUserClaimsPrincipalFactory</c>) in JWT style, roles as a
/// <c>roles</c> array (the server turns it into role claims), and a hash of the security stamp that refreshes are checked against.
/// </summary>
internal static class IdentityPayload
{
    /// <summary>The payload claim holding the security-stamp hash.</summary>
    public const string StampClaim = "identityStamp";

    /// <summary>The payload claim holding the roles (read by the Sesame authentication handler).</summary>
    public const string RolesClaim = "roles";

    // Names the Sesame server owns or sets itself; a user claim of that type is left out rather than failing the login.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "sub", "exp", "iat", "iss", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken", "tId", "rsub", "stt",
        RolesClaim, StampClaim,
    };

    // Domain separation: this hash is for nothing but comparing stamps.
    private static readonly byte[] StampPrefix = "Sesame.AspNetCore.Identity security stamp\n"u8.ToArray();

    /// <summary>Builds the payload from the user's principal and security stamp (null when the store keeps none).</summary>
    public static JsonObject Create(ClaimsPrincipal principal, ClaimsIdentityOptions names, string? securityStamp)
    {
        var payload = new JsonObject();
        var roles = new JsonArray();
        foreach (var claim in principal.Claims)
        {
            var type = claim.Type;
            if (type == names.UserIdClaimType || type == names.SecurityStampClaimType)
            {
                continue; // the user id is "sub"; the stamp itself would let its reader make email/phone two-factor codes
            }

            if (type == names.RoleClaimType)
            {
                roles.Add(claim.Value);
                continue;
            }

            var name = type == names.UserNameClaimType ? "name" : type == names.EmailClaimType ? "email" : type;
            if (Reserved.Contains(name))
            {
                continue;
            }

            // One value stays a string; more values of one type become an array, as JWTs carry them.
            switch (payload[name])
            {
                case null:
                    payload[name] = claim.Value;
                    break;
                case JsonArray values:
                    values.Add(claim.Value);
                    break;
                case var single:
                    payload[name] = new JsonArray(single.GetValue<string>(), claim.Value);
                    break;
            }
        }

        if (roles.Count > 0)
        {
            payload[RolesClaim] = roles;
        }

        if (securityStamp is not null)
        {
            payload[StampClaim] = HashStamp(securityStamp);
        }

        return payload;
    }

    /// <summary>A 128-bit truncated SHA-256 of the stamp, base64url: says whether the stamp changed, and nothing about it.</summary>
    public static string HashStamp(string securityStamp)
    {
        var stampBytes = Encoding.UTF8.GetBytes(securityStamp);
        var input = new byte[StampPrefix.Length + stampBytes.Length];
        StampPrefix.CopyTo(input, 0);
        stampBytes.CopyTo(input, StampPrefix.Length);
        // WebEncoders rather than Base64Url: the package is to target net8.0 too.
        return WebEncoders.Base64UrlEncode(SHA256.HashData(input), 0, 16);
    }

    /// <summary>Whether <paramref name="payload"/> carries the hash of <paramref name="securityStamp"/> (constant time).</summary>
    public static bool HasStamp(JsonObject payload, string securityStamp)
    {
        if (payload[StampClaim] is not JsonValue value || !value.TryGetValue<string>(out var stored))
        {
            return false;
        }

        var expected = HashStamp(securityStamp);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(stored.AsSpan()), MemoryMarshal.AsBytes(expected.AsSpan()));
    }
}
