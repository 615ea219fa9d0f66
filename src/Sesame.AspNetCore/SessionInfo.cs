using System.Text.Json.Nodes;

namespace Sesame.AspNetCore;

/// <summary>A stored session, as listed for its user.</summary>
/// <param name="SessionHandle">The session's handle.</param>
/// <param name="UserId">The user.</param>
/// <param name="AccessTokenPayload">The custom access-token claims.</param>
/// <param name="CreatedAt">When the session started.</param>
/// <param name="ExpiresAt">When it ends unless refreshed.</param>
public sealed record SessionInfo(string SessionHandle, string UserId, JsonObject AccessTokenPayload, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
