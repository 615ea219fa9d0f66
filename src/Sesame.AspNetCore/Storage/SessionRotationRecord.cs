namespace Sesame.AspNetCore.Storage;

/// <summary>
/// What a rotation records about the session (docs/authorization.md#session-data-metadata-and-a-cap-per-user): when it happened and,
/// with <see cref="SesameServerOptions.RecordClientInfo"/>, from which client. Written by the rotation's own compare-and-set, so the
/// metadata costs no write of its own.
/// </summary>
/// <param name="RotatedAt">When the session moved to its new refresh token (stored as <see cref="StoredSession.LastRefreshedAt"/>).</param>
/// <param name="UserAgent">The client's user agent, or <see langword="null"/> (which clears the stored one).</param>
/// <param name="IpAddress">The client's IP address, or <see langword="null"/> (which clears the stored one).</param>
public readonly record struct SessionRotationRecord(DateTimeOffset RotatedAt, string? UserAgent, string? IpAddress);
