using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Sesame.Testing.Browser;

namespace Sesame.Interop.Browser.Tests.Infrastructure;

/// <summary>
/// One headless Chromium and one <see cref="IdentityBrowserHost"/> (Identity + Sesame on a free port of 127.0.0.1) shared by the tests
/// of a class; each test opens its own browser context and registers its own users.
/// </summary>
public sealed class IdentityChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IdentityBrowserHost? _host;

    /// <summary>The server's clock: it stands still unless a test moves it (together with the page's clock).</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The browser (valid after <see cref="InitializeAsync"/>).</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    /// <summary>The Identity app (valid after <see cref="InitializeAsync"/>).</summary>
    public IdentityBrowserHost Host => _host ?? throw new InvalidOperationException("The Identity host has not started.");

    public async ValueTask InitializeAsync()
    {
        await BrowserAssets.EnsureBuiltAsync();
        _host = await IdentityBrowserHost.StartAsync(Clock);
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
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
