using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Sesame.Conformance;
using Sesame.Testing;
using Sesame.Testing.Browser;

namespace Sesame.Interop.Browser.Tests.Infrastructure;

/// <summary>
/// One headless Chromium (Debian's, through Playwright's <c>ExecutablePath</c>; nothing is downloaded) and one
/// conformance server on two free ports, shared by the tests of a class. Each test opens its own browser context.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ConformanceHost? _server;

    /// <summary>
    /// The server's clock: it stands still unless a test moves it (<see cref="BrowserTest.ExpireAccessTokensAsync"/> moves it and
    /// the page's clock together), so a token expires exactly when a test says so, and a refreshed one outlives any slow step.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The browser (valid after <see cref="InitializeAsync"/>).</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    /// <summary>Our server speaking the reference test server's contract, on two ports of <c>localhost</c>.</summary>
    public ConformanceHost Server => _server ?? throw new InvalidOperationException("The conformance server has not started.");

    /// <summary>The page origin (the reference's <c>http://localhost:8080</c>).</summary>
    public Uri PageOrigin => Server.FirstBaseAddress;

    /// <summary>The cross-origin API (the reference's <c>http://localhost:8082</c>).</summary>
    public Uri CrossOrigin => Server.SecondBaseAddress;

    public async ValueTask InitializeAsync()
    {
        await BrowserAssets.EnsureBuiltAsync();
        _server = await ConformanceHost.StartAsync(
            new ConformanceServerOptions
            {
                FirstUrl = new Uri("http://localhost:0"),
                SecondUrl = new Uri("http://localhost:0"),
                AssetsRoot = RepositoryPaths.BrowserAssets,
                TimeProvider = Clock,
            },
            logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());

        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Paths in the repository, found from the test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Sesame.slnx</c>.</summary>
    public static string Root => RepositoryRoot.Path;

    /// <summary><c>tests/Interop/browser-assets</c>: the pinned npm packages and the built client bundle.</summary>
    public static string BrowserAssets => Path.Combine(Root, "tests", "Interop", "browser-assets");

    /// <summary><c>artifacts/browser</c>: screenshots and console logs of failed tests (git-ignored).</summary>
    public static string Artifacts => Path.Combine(Root, "artifacts", "browser");
}

/// <summary>Makes sure the npm packages and the client bundle exist (the test command builds them; a bare `dotnet test` too).</summary>
public static class BrowserAssets
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string ClientBundle => Path.Combine(RepositoryPaths.BrowserAssets, "dist", "supertokens.js");

    public static async Task EnsureBuiltAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var script = Path.Combine(RepositoryPaths.Root, "build", "deps", "browser-assets.sh");
            var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || !File.Exists(ClientBundle))
            {
                throw new InvalidOperationException(
                    $"build/deps/browser-assets.sh failed (exit {process.ExitCode}):\n{await output}\n{await error}");
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
