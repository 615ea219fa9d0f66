namespace Demo.Client;

/// <summary>One of the user's sessions, as <c>GET /api/sessions</c> lists it.</summary>
public sealed record DemoSession(string Handle, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string Device, string? IpAddress, bool Current);
