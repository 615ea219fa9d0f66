namespace Sesame.Testing.Server;

/// <summary>
/// An answer the test server gives instead of its normal behaviour, for a given number of requests to one path
/// (any method except OPTIONS). A real HTTP answer from a real server: status, headers, body, delays and aborts.
/// </summary>
public sealed class ProgrammedResponse
{
    /// <summary>The status code. Default 200.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The body (UTF-8). Null or empty = no body.</summary>
    public string? Body { get; init; }

    /// <summary>The Content-Type, e.g. <c>application/json</c>. Null = none.</summary>
    public string? ContentType { get; init; }

    /// <summary>Extra response headers.</summary>
    public IDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Wait this long (real time) before answering; with <see cref="Abort"/>, before resetting.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Reset the connection instead of answering (a network error for the client).</summary>
    public bool Abort { get; init; }

    /// <summary>Also write <c>front-token: remove</c> and clear the session cookies and headers.</summary>
    public bool RemoveSession { get; init; }
}
