namespace Sesame.AspNetCore;

/// <summary>A key as <see cref="ISigningKeyManager"/> lists it. Never contains key material.</summary>
/// <param name="KeyId">The key id: the JWT <c>kid</c> (<c>d-…</c>) or the refresh-token key id (<c>r-…</c>).</param>
/// <param name="Algorithm"><c>RS256</c> (access tokens) or <c>HS256</c> (refresh tokens).</param>
/// <param name="CreatedAt">When the key was made.</param>
/// <param name="IsCurrent">Whether new tokens are signed with it.</param>
/// <param name="VerifiesUntil">For a retired key, when it stops verifying and is deleted; <see langword="null"/> for the current key.</param>
public sealed record SigningKeyInfo(string KeyId, string Algorithm, DateTimeOffset CreatedAt, bool IsCurrent, DateTimeOffset? VerifiesUntil);
