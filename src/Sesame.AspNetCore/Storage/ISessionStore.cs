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
    /// Compare-and-set of the current refresh-token hash: sets <paramref name="newRefreshTokenHash2"/>, <paramref name="newExpiresAt"/>
    /// and the metadata of <paramref name="record"/> (<see cref="StoredSession.LastRefreshedAt"/>, <see cref="StoredSession.UserAgent"/>,
    /// <see cref="StoredSession.IpAddress"/>) in one write, only if the stored hash still equals <paramref name="expectedRefreshTokenHash2"/>.
    /// </summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="expectedRefreshTokenHash2">The hash the caller read.</param>
    /// <param name="newRefreshTokenHash2">The hash of the promoted refresh token.</param>
    /// <param name="newExpiresAt">The session's new expiry.</param>
    /// <param name="record">When the rotation happened and from which client.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call changed the row.</returns>
    Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2,
        DateTimeOffset newExpiresAt, SessionRotationRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the custom access-token payload (JSON object text).</summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="accessTokenPayloadJson">The new payload, a JSON object.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session does not exist.</returns>
    Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set of the server-only session data (JSON object text): sets <paramref name="sessionDataJson"/> only if the
    /// stored data still equals <paramref name="expectedSessionDataJson"/>, so concurrent updates of different keys do not lose
    /// each other's changes (the caller re-reads and merges again when this returns <see langword="false"/>).
    /// </summary>
    /// <param name="sessionHandle">The session's handle.</param>
    /// <param name="expectedSessionDataJson">The data the caller read.</param>
    /// <param name="sessionDataJson">The new data, a JSON object.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call changed the row; <see langword="false"/> when the data changed meanwhile or
    /// the session does not exist.</returns>
    Task<bool> TryUpdateSessionDataAsync(string sessionHandle, string expectedSessionDataJson, string sessionDataJson,
        CancellationToken cancellationToken);

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

    /// <summary>Lists a user's sessions that have not expired at <paramref name="now"/>, oldest first (by creation time, then handle).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes sessions whose expiry is at or before <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many sessions were deleted.</returns>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// All stored keys, newest first: the access-token signing keys (<c>RS256</c>) and the refresh-token MAC keys
    /// (<c>HS256</c>), with <see cref="StoredSigningKey.IsProtected"/> as stored.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>Adds a key unless one with the same key id exists.</summary>
    /// <param name="key">The key, its material already protected by the caller.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the key was added.</returns>
    Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the material of a key stored unprotected (written before key material was encrypted) with its protected
    /// form and marks it protected; does nothing when the row is already protected or gone, so instances migrating at
    /// once do not overwrite each other. Stores should not leave the old bytes readable in the file where they can help it.
    /// </summary>
    /// <param name="keyId">The key.</param>
    /// <param name="protectedMaterial">The Data Protection payload of the key's material.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call protected the row.</returns>
    Task<bool> TryProtectSigningKeyAsync(string keyId, byte[] protectedMaterial, CancellationToken cancellationToken);

    /// <summary>Deletes a key (revoked, past its retention, or unreadable and discarded).</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a key was deleted.</returns>
    Task<bool> DeleteSigningKeyAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the named secret, creating it with <paramref name="create"/> if absent. Concurrent callers (also in
    /// other instances) all get the same value. Sesame itself no longer keeps secrets here (the refresh-token MAC keys
    /// are <c>HS256</c> rows of the key table, protected at rest); the member stays for existing callers.
    /// </summary>
    /// <param name="name">The secret's name, e.g. <c>refresh_token_key</c>.</param>
    /// <param name="create">Makes a new value when none is stored.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken);
}
