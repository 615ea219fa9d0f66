namespace Sesame.AspNetCore.Storage;

/// <summary>A session row.</summary>
/// <param name="SessionHandle">Random, unique id of the session.</param>
/// <param name="UserId">The user the session belongs to.</param>
/// <param name="RefreshTokenHash2">Lowercase hex SHA-256 of the lowercase hex SHA-256 of the current refresh token.</param>
/// <param name="AccessTokenPayloadJson">Custom access-token claims, a JSON object.</param>
/// <param name="SessionDataJson">Server-only session data, a JSON object; never put in a token.</param>
/// <param name="CreatedAt">When the session was created.</param>
/// <param name="ExpiresAt">When the refresh token (and so the session) expires.</param>
public sealed record StoredSession(
    string SessionHandle,
    string UserId,
    string RefreshTokenHash2,
    string AccessTokenPayloadJson,
    string SessionDataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>When the session was last refreshed, or <see langword="null"/> when it never was.</summary>
    public DateTimeOffset? LastRefreshedAt { get; init; }

    /// <summary>
    /// The client's <c>User-Agent</c> at creation or at the last refresh (truncated), or <see langword="null"/> unless
    /// <see cref="SesameServerOptions.RecordClientInfo"/> is on.
    /// </summary>
    public string? UserAgent { get; init; }

    /// <summary>
    /// The client's IP address at creation or at the last refresh, or <see langword="null"/> unless
    /// <see cref="SesameServerOptions.RecordClientInfo"/> is on.
    /// </summary>
    public string? IpAddress { get; init; }
}
