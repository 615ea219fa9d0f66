namespace Demo;

/// <summary>A short device name for a session list ("Chrome on Linux") from the user agent a session recorded.</summary>
internal static class DemoDevice
{
    // Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
    private static readonly (string Token, string Name)[] Browsers =
    [
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("HeadlessChrome/", "Headless Chrome"), ("Chrome/", "Chrome"), ("Firefox/", "Firefox"),
        ("Safari/", "Safari"),
    ];

    private static readonly (string Token, string Name)[] Systems =
    [
        ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"),
    ];

    /// <summary>The browser and system named in <paramref name="userAgent"/>, the agent itself (cut) if it names neither, or
    /// "unknown device" when none was recorded (an HTTP client that sends no <c>User-Agent</c>).</summary>
    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "unknown device";
        }

        var browser = Find(Browsers, userAgent);
        var system = Find(Systems, userAgent);
        return (browser, system) switch
        {
            (not null, not null) => $"{browser} on {system}",
            (not null, null) => browser,
            (null, not null) => $"a client on {system}",
            _ => userAgent.Length <= 40 ? userAgent : userAgent[..40] + "…",
        };
    }

    private static string? Find((string Token, string Name)[] table, string userAgent)
    {
        foreach (var (token, name) in table)
        {
            if (userAgent.Contains(token, StringComparison.Ordinal))
            {
                return name;
            }
        }

        return null;
    }
}
