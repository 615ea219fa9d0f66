using Sesame.Testing.Browser;
using System.Diagnostics;
using Microsoft.Playwright;
using Sesame.Client.Blazor.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(BlazorAppFixture))]

// One server and one clock for the whole assembly: tests run one at a time so counters and clock moves are theirs alone.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Sesame.Client.Blazor.Tests.Infrastructure;

/// <summary>
/// Once per test run: publishes samples/Demo.Client (Release, trimmed, no compression: compression is most of the publish time and the
/// host serves plain files), starts <see cref="BlazorTestHost"/> on it, and launches Debian's headless Chromium through Playwright.
/// </summary>
public sealed class BlazorAppFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private BlazorTestHost? _host;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public BlazorTestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    /// <summary>How long publishing took (reported once).</summary>
    public TimeSpan PublishDuration { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(RepositoryPaths.OfficialClientBundle))
        {
            await ExternalCommand.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "build", "deps", "browser-assets.sh")], RepositoryPaths.Root, TimeSpan.FromMinutes(3));
        }

        var started = Stopwatch.StartNew();
        await PublishIfChangedAsync();
        PublishDuration = started.Elapsed;

        var appRoot = Path.Combine(RepositoryPaths.PublishFolder, "wwwroot");
        _host = await BlazorTestHost.StartAsync(appRoot, RepositoryPaths.OfficialClientBundle);

        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    /// <summary>
    /// Publishes the demo app unless the last publish was made from exactly the same sources (a hash of every source file of the app and the
    /// two client packages, and the shared build settings, kept beside the output). A clean machine publishes once per run.
    /// The publish builds into its own bin/obj (<c>--artifacts-path</c>): other test projects run at the same time from the solution's build
    /// output (samples/Demo serves Demo.Client's build output), and a publish with other global properties must not rewrite it under them.
    /// </summary>
    private static async Task PublishIfChangedAsync()
    {
        var stampPath = Path.Combine(RepositoryPaths.PublishFolder, ".sesame-sources-sha256");
        var hash = SourcesHash();
        if (File.Exists(Path.Combine(RepositoryPaths.PublishFolder, "wwwroot", "index.html"))
            && File.Exists(stampPath) && await File.ReadAllTextAsync(stampPath) == hash)
        {
            return;
        }

        await ExternalCommand.RunAsync(
            "dotnet",
            ["publish", RepositoryPaths.DemoClientProject, "-c", "Release", "-p:CompressionEnabled=false", "-o", RepositoryPaths.PublishFolder,
             "--artifacts-path", RepositoryPaths.PublishArtifacts, "--nologo", "--disable-build-servers", "-v:q"],
            RepositoryPaths.Root,
            TimeSpan.FromMinutes(10));
        await File.WriteAllTextAsync(stampPath, hash);
    }

    private static string SourcesHash()
    {
        string[] folders = [Path.Combine("src", "Sesame.Client"), Path.Combine("src", "Sesame.Client.Blazor"), Path.Combine("samples", "Demo.Client")];
        string[] extensions = [".cs", ".razor", ".js", ".csproj", ".props", ".targets", ".html", ".css", ".json"];
        var files = folders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*", SearchOption.AllDirectories))
            .Where(file => extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" }.Select(name => Path.Combine(RepositoryPaths.Root, name)))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(RepositoryPaths.Root, file) + "\n"));
            sha.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
