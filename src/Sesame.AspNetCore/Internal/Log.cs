using Microsoft.Extensions.Logging;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Every log line of the server. Event ids by area: 1xxx keys, 2xxx verification, 3xxx refresh, 4xxx sessions.
/// Tokens are never a parameter here; session handles and user ids are.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Created access-token signing key {KeyId}", EventName = "SigningKeyCreated")]
    public static partial void SigningKeyCreated(ILogger logger, string keyId);

    [LoggerMessage(1002, LogLevel.Debug, "Loaded {Count} access-token signing keys; signing with {KeyId}", EventName = "SigningKeysLoaded")]
    public static partial void SigningKeysLoaded(ILogger logger, int count, string keyId);

    [LoggerMessage(1003, LogLevel.Warning, "Could not reload signing keys after seeing an unknown key id", EventName = "SigningKeyReloadFailed")]
    public static partial void SigningKeyReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(1004, LogLevel.Warning, "Stored key {KeyId} was kept in plain text by an earlier version; encrypted it with Data Protection (a new key replaces it for signing)",
        EventName = "KeyProtected")]
    public static partial void KeyProtected(ILogger logger, string keyId);

    [LoggerMessage(1005, LogLevel.Warning, "Discarded {Count} stored keys ({KeyIds}) that this app's Data Protection key ring cannot decrypt (Session:DiscardUnreadableKeys is on); new keys are made and tokens signed with the discarded ones are rejected, so their users sign in again",
        EventName = "UnreadableKeysDiscarded")]
    public static partial void UnreadableKeysDiscarded(ILogger logger, int count, string keyIds);

    [LoggerMessage(1006, LogLevel.Error, "Stored key {KeyId} cannot be decrypted with this app's Data Protection key ring and is ignored; was it written by an instance with another key ring?",
        EventName = "UnreadableKeySkipped")]
    public static partial void UnreadableKeySkipped(ILogger logger, string keyId);

    [LoggerMessage(1007, LogLevel.Information, "Deleted key {KeyId}: no token it signed can still be valid", EventName = "KeyDeleted")]
    public static partial void KeyDeleted(ILogger logger, string keyId);

    [LoggerMessage(1008, LogLevel.Warning, "Revoked key {KeyId} ({Algorithm}); tokens it signed are rejected from now on (other instances: after their next key reload)",
        EventName = "KeyRevoked")]
    public static partial void KeyRevoked(ILogger logger, string keyId, string algorithm);

    [LoggerMessage(1009, LogLevel.Warning, "Periodic reload of the signing keys failed; the next round retries", EventName = "PeriodicKeyReloadFailed")]
    public static partial void PeriodicKeyReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(2001, LogLevel.Debug, "Access token rejected: {Reason}", EventName = "AccessTokenRejected")]
    public static partial void AccessTokenRejected(ILogger logger, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "Session store unavailable while verifying session {SessionHandle}", EventName = "VerifyStoreUnavailable")]
    public static partial void VerifyStoreUnavailable(ILogger logger, string sessionHandle, Exception exception);

    [LoggerMessage(3001, LogLevel.Warning, "Refresh token theft detected for session {SessionHandle} of user {UserId}; the session is revoked",
        EventName = "TokenTheftDetected")]
    public static partial void TokenTheftDetected(ILogger logger, string sessionHandle, string userId);

    [LoggerMessage(3002, LogLevel.Debug, "Refresh refused: {Reason}", EventName = "RefreshRefused")]
    public static partial void RefreshRefused(ILogger logger, string reason);

    [LoggerMessage(3003, LogLevel.Warning, "Session store unavailable during {Operation}; answering 503", EventName = "StoreUnavailable")]
    public static partial void StoreUnavailable(ILogger logger, string operation, Exception exception);

    [LoggerMessage(3004, LogLevel.Warning, "A refresh request carried session cookies twice (the cookie domain was changed?); set Session:OlderCookieDomain to the previous domain so the old cookies get cleared. Answering 500",
        EventName = "DuplicateSessionCookies")]
    public static partial void DuplicateSessionCookies(ILogger logger);

    [LoggerMessage(3005, LogLevel.Information, "A refresh request carried session cookies twice; cleared the cookies of the older cookie domain", EventName = "OlderDomainCookiesCleared")]
    public static partial void OlderDomainCookiesCleared(ILogger logger);

    [LoggerMessage(4001, LogLevel.Information, "Created session {SessionHandle} for user {UserId}", EventName = "SessionCreated")]
    public static partial void SessionCreated(ILogger logger, string sessionHandle, string userId);

    [LoggerMessage(4003, LogLevel.Debug, "Deleted {Count} expired sessions", EventName = "ExpiredSessionsDeleted")]
    public static partial void ExpiredSessionsDeleted(ILogger logger, int count);

    [LoggerMessage(4002, LogLevel.Information, "Revoked session {SessionHandle}", EventName = "SessionRevoked")]
    public static partial void SessionRevoked(ILogger logger, string sessionHandle);
}
