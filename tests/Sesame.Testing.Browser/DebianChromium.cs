using Microsoft.Playwright;

namespace Sesame.Testing.Browser;

/// <summary>
/// Headless Chromium from Debian's package (nothing can be downloaded from a browser vendor here): Playwright drives the binary
/// named by <c>CHROMIUM_PATH</c> or <c>/usr/bin/chromium</c>, with the flags a root, offline machine needs.
/// </summary>
public static class DebianChromium
{
    private static readonly string[] s_arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    /// <summary>Starts the browser, or explains how to install it.</summary>
    /// <param name="playwright">The Playwright instance that owns the browser.</param>
    /// <returns>The running browser.</returns>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        var executable = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Chromium not found at '{executable}'. Install Debian's package (`bash build/install-deps.sh` does, from build/deps/browser.apt) or set CHROMIUM_PATH.");
        }

        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = s_arguments });
    }
}
