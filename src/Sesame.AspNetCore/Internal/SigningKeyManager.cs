namespace Sesame.AspNetCore.Internal;

/// <summary><see cref="ISigningKeyManager"/> over the key ring.</summary>
internal sealed class SigningKeyManager(SigningKeyRing keys) : ISigningKeyManager
{
    public Task<IReadOnlyList<SigningKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) => keys.ListAsync(cancellationToken);

    public Task<SigningKeyInfo> RotateSigningKeyAsync(CancellationToken cancellationToken = default) =>
        keys.RotateAsync(SigningKeyRing.AccessTokenAlgorithm, cancellationToken);

    public Task<SigningKeyInfo> RotateRefreshTokenKeyAsync(CancellationToken cancellationToken = default) =>
        keys.RotateAsync(SigningKeyRing.MacKeyAlgorithm, cancellationToken);

    public Task<bool> RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        return keys.RevokeAsync(keyId, cancellationToken);
    }
}
