namespace Sesame.AspNetCore.Storage;

/// <summary>A key Sesame signs with: an access-token signing key (<c>RS256</c>) or a refresh-token MAC key (<c>HS256</c>).</summary>
/// <param name="KeyId">The key id: the JWT <c>kid</c> (e.g. <c>d-1795440414253</c>) or the refresh-token key id (<c>r-…</c>).</param>
/// <param name="Algorithm"><c>RS256</c> (access tokens) or <c>HS256</c> (refresh tokens).</param>
/// <param name="PrivateKeyPkcs8">
/// The key material: when <see cref="IsProtected"/>, a Data Protection payload (the only form Sesame writes); otherwise, in rows
/// written by versions before key material was encrypted, the RSA private key as PKCS#8 DER or the raw MAC secret.
/// </param>
/// <param name="CreatedAt">When the key was made; it signs from then on.</param>
public sealed record StoredSigningKey(string KeyId, string Algorithm, byte[] PrivateKeyPkcs8, DateTimeOffset CreatedAt)
{
    /// <summary>Whether <see cref="PrivateKeyPkcs8"/> is encrypted with ASP.NET Core Data Protection.</summary>
    public bool IsProtected { get; init; }
}
