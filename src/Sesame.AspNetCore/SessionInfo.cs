using System.Text.Json.Nodes;

namespace Sesame.AspNetCore;

/// <summary>A stored session, as listed for its user.</summary>
/// <param name="SessionHandle">The session's handle.</param>
/// <param name="UserId">The user.</param>
/// <param name="AccessTokenPayload">The custom access-token claims.</param>
/// <param name="CreatedAt">When the session started.</param>
/// <param name="ExpiresAt">When it ends unless refreshed.</param>
public sealed record SessionInfo(string SessionHandle, string UserId, JsonObject AccessTokenPayload, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// When the session was last refreshed, or <see langword="null"/> when it never was (then <see cref="CreatedAt"/> is the last
    /// time the client was seen getting tokens).
    /// </summary>
    public DateTimeOffset? LastRefreshedAt { get; init; }

    /// <summary>
    /// The client's <c>User-Agent</c> (at most 256 characters) when the session was created or last refreshed; <see langword="null"/>
    /// unless <see cref="SesameServerOptions.RecordClientInfo"/> is on.
    /// </summary>
    public string? UserAgent { get; init; }

    /// <summary>
    /// The client's IP address when the session was created or last refreshed; <see langword="null"/> unless
    /// <see cref="SesameServerOptions.RecordClientInfo"/> is on.
    /// </summary>
    public string? IpAddress { get; init; }
}
