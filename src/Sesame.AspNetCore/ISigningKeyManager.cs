namespace Sesame.AspNetCore;

/// <summary>
/// Manages the keys Sesame signs with: the access-token signing keys (<c>RS256</c>, published in the JWKS) and the refresh-token
/// MAC keys (<c>HS256</c>). For a suspected key compromise see docs/security.md, "Key-compromise runbook". Changes reach the
/// instance that makes them at once and every other instance sharing the store within
/// <see cref="SesameServerOptions.KeyReloadInterval"/>.
/// </summary>
public interface ISigningKeyManager
{
    /// <summary>Every key this instance holds, after reloading from the store: the current key of each kind and the retired ones that still verify.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<SigningKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a new access-token signing key now; it signs every new access token from then on. The previous key turns verify-only
    /// (tokens it signed stay valid until they expire). Use it when the rotation interval is too long to wait, not for a compromise:
    /// a compromised key must be revoked (<see cref="RevokeKeyAsync"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new key.</returns>
    Task<SigningKeyInfo> RotateSigningKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a new refresh-token MAC key now; new refresh tokens are signed with it. The previous key keeps verifying the refresh
    /// tokens it signed (no one is signed out) until they cannot be valid any more, then it is deleted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new key.</returns>
    Task<SigningKeyInfo> RotateRefreshTokenKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes a compromised key: deletes it from the store, stops trusting it on this instance at once (its tokens are answered as
    /// expired: clients refresh and get tokens signed with a new key) and makes a new key of its kind. Revoking a refresh-token key
    /// instead makes the refresh tokens it signed invalid: those users must sign in again once their access token expires.
    /// </summary>
    /// <param name="keyId">The key's id: an access token's <c>kid</c> (<c>d-…</c>) or a refresh-token key id (<c>r-…</c>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when no such key is stored.</returns>
    Task<bool> RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default);
}
