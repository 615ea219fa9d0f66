namespace Sesame.AspNetCore.Storage;

/// <summary>
/// Where sessions and signing keys live. The refresh algorithm (rotation, promotion, theft detection) lives in the
/// session service; a store only offers atomic primitives, so SQLite and PostgreSQL behave alike.
/// Implementations throw <see cref="SessionStoreUnavailableException"/> when the database cannot be reached, so that
/// callers answer 503 instead of logging the user out.
/// </summary>
public interface ISessionStore
{
    /// <summary>Creates or migrates the schema. Idempotent and safe when several instances start at once.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores a new session.</summary>
    /// <param name="session">The session to store.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task CreateAsync(StoredSession session, CancellationToken cancellationToken);

    /// <summary>Reads a session, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<StoredSession?> FindAsync(string sessionHandle, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set of the current refresh-token hash: sets <paramref name="newRefreshTokenHash2"/> and
    /// <paramref name="newExpiresAt"/> only if the stored hash still equals <paramref name="expectedRefreshTokenHash2"/>.
    /// </summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="expectedRefreshTokenHash2">The hash the caller read.</param>
    /// <param name="newRefreshTokenHash2">The hash of the promoted refresh token.</param>
    /// <param name="newExpiresAt">The session's new expiry.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call changed the row.</returns>
    Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2,
        DateTimeOffset newExpiresAt, CancellationToken cancellationToken);

    /// <summary>Replaces the custom access-token payload (JSON object text).</summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="accessTokenPayloadJson">The new payload, a JSON object.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session does not exist.</returns>
    Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken);

    /// <summary>Deletes one session.</summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a session was deleted.</returns>
    Task<bool> DeleteAsync(string sessionHandle, CancellationToken cancellationToken);

    /// <summary>Deletes every session of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The handles of the deleted sessions.</returns>
    Task<IReadOnlyList<string>> DeleteByUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Lists a user's sessions that have not expired at <paramref name="now"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes sessions whose expiry is at or before <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many sessions were deleted.</returns>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>All stored signing keys, newest first.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>Adds a signing key unless one with the same key id exists.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the key was added.</returns>
    Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the named secret, creating it with <paramref name="create"/> if absent. Concurrent callers (also in
    /// other instances) all get the same value.
    /// </summary>
    /// <param name="name">The secret's name, e.g. <c>refresh_token_key</c>.</param>
    /// <param name="create">Makes a new value when none is stored.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken);
}

/// <summary>A session row.</summary>
/// <param name="SessionHandle">Random, unique id of the session.</param>
/// <param name="UserId">The user the session belongs to.</param>
/// <param name="RefreshTokenHash2">Lowercase hex SHA-256 of the lowercase hex SHA-256 of the current refresh token.</param>
/// <param name="AccessTokenPayloadJson">Custom access-token claims, a JSON object.</param>
/// <param name="SessionDataJson">Server-only session data, a JSON object.</param>
/// <param name="CreatedAt">When the session was created.</param>
/// <param name="ExpiresAt">When the refresh token (and so the session) expires.</param>
public sealed record StoredSession(
    string SessionHandle,
    string UserId,
    string RefreshTokenHash2,
    string AccessTokenPayloadJson,
    string SessionDataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>An access-token signing key.</summary>
/// <param name="KeyId">The JWT <c>kid</c>, e.g. <c>d-1795440414253</c>.</param>
/// <param name="Algorithm">The JWS algorithm, <c>RS256</c>.</param>
/// <param name="PrivateKeyPkcs8">The private key, PKCS#8 DER.</param>
/// <param name="CreatedAt">When the key was made; it signs from then on.</param>
public sealed record StoredSigningKey(string KeyId, string Algorithm, byte[] PrivateKeyPkcs8, DateTimeOffset CreatedAt);

/// <summary>Thrown by a store when its database cannot be reached or timed out. Maps to HTTP 503, never to a sign-out.</summary>
public sealed class SessionStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionStoreUnavailableException() : base("The session store is unavailable.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public SessionStoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The database's error.</param>
    public SessionStoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
