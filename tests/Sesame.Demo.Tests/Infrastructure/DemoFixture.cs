using Sesame.Testing.Browser;
using System.Diagnostics;
using Microsoft.Playwright;
using Sesame.Demo.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(DemoFixture))]

// One demo process for the whole assembly: tests run one at a time, so the server's refresh count moves only for the running test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Sesame.Demo.Tests.Infrastructure;

/// <summary>
/// Once per test run: the official JavaScript client's bundle (built by build/deps/browser-assets.sh if missing), the demo started as the
/// README says with 3 s access tokens, and Debian's headless Chromium through Playwright.
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{
    /// <summary>The access-token lifetime the tests give the demo: short, so a test sees tokens expire and refresh.</summary>
    public static TimeSpan AccessTokenLifetime { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The arguments that make tokens short-lived, as a reader would pass them after <c>--</c>.</summary>
    public static IReadOnlyList<string> ShortLivedTokens { get; } = [$"--Session:AccessTokenLifetime={AccessTokenLifetime:hh\\:mm\\:ss}"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private DemoProcess? _demo;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public DemoProcess Demo => _demo ?? throw new InvalidOperationException("The demo has not started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(RepositoryPaths.OfficialClientBundle))
        {
            await RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "build", "deps", "browser-assets.sh")], TimeSpan.FromMinutes(3));
        }

        // The browser first (a missing Chromium fails before any demo process exists), then the demo.
        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
        var demo = DemoProcess.StartAsync(ShortLivedTokens, TimeSpan.FromSeconds(90));
        _demo = await demo;
        if (!await _demo.ServesBlazorFrameworkAsync())
        {
            // Stale build output (Demo.Client rebuilt without Demo, e.g. by a parallel build on this working tree): build the demo
            // again, as "dotnet run" without --no-build would, and restart it.
            TestContext.Current.SendDiagnosticMessage("demo build output is stale; rebuilding samples/Demo");
            await _demo.DisposeAsync();
            await RunAsync("dotnet", ["build", Path.Combine(RepositoryPaths.Root, "samples", "Demo"), "-c", DemoProcess.Configuration, "--nologo", "-v:q"],
                TimeSpan.FromMinutes(4));
            _demo = await DemoProcess.StartAsync(ShortLivedTokens, TimeSpan.FromSeconds(90));
            if (!await _demo.ServesBlazorFrameworkAsync())
            {
                throw new InvalidOperationException("The demo does not serve _framework/dotnet.js even after a rebuild:\n" + _demo.Output);
            }
        }

        TestContext.Current.SendDiagnosticMessage($"demo started in {_demo.StartDuration.TotalSeconds:0.0} s at {_demo.BaseAddress}");
    }

    private static async Task RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed (exit {process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_demo is not null)
        {
            await _demo.DisposeAsync();
        }
    }
}
