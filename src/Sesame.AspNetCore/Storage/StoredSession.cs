namespace Sesame.AspNetCore.Storage;

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
