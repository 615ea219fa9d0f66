namespace Sesame.AspNetCore.Internal;

/// <summary>A refresh-token MAC key: its id (carried in new refresh tokens) and secret.</summary>
internal sealed record RefreshTokenKey(string KeyId, byte[] Secret);
