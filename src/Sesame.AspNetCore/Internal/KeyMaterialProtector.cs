using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Encrypts key material for the store with the app's ASP.NET Core Data Protection key ring (whatever persistence the app
/// configured: a folder, Redis, a database, keys wrapped by a certificate), so a copy of the database alone mints no token.
/// </summary>
internal sealed class KeyMaterialProtector(IDataProtectionProvider provider)
{
    /// <summary>The Data Protection purpose; fixed, since changing it would make every stored key unreadable.</summary>
    public const string Purpose = "Sesame.AspNetCore.KeyMaterial.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public byte[] Protect(byte[] material) => _protector.Protect(material);

    /// <summary>The material, or <see langword="null"/> when this key ring cannot decrypt it (another key ring, tampering).</summary>
    public byte[]? TryUnprotect(byte[] stored)
    {
        try
        {
            return _protector.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
