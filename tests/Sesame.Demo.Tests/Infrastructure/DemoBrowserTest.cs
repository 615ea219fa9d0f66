using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sesame.Demo.Tests.Infrastructure;

/// <summary>
/// One test = one fresh browser context (its own cookie jar, like a fresh browser profile); pages opened with <see cref="OpenAsync"/> are
/// tabs of it. A failed test leaves a screenshot per tab, the pages' consoles and the demo's output under <c>artifacts/demo/</c>.
/// </summary>
public abstract class DemoBrowserTest(DemoFixture fixture) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _console = new();
    private readonly List<IPage> _pages = [];
    private IBrowserContext? _context;

    /// <summary>Generous for a loaded 2-core machine; a passing step takes well under a second.</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    protected DemoFixture Fixture { get; } = fixture;

    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("The browser context is not open.");

    public virtual async ValueTask InitializeAsync()
    {
        _context = await Fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 820 } });
        _context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
        Assertions.SetDefaultExpectTimeout((float)StepTimeout.TotalMilliseconds);
    }

    /// <summary>Opens a tab on <paramref name="path"/> of <paramref name="baseAddress"/> (default: the shared demo) and waits until the page
    /// shows whether it is signed in.</summary>
    protected async Task<IPage> OpenAsync(string path, Uri? baseAddress = null, string readySelector = "#auth-state:visible, #auth-state-out:visible")
    {
        var page = await Context.NewPageAsync();
        var tab = _pages.Count + 1;
        _pages.Add(page);
        page.Console += (_, message) => _console.Enqueue($"[tab {tab}] {message.Type}: {message.Text}");
        page.PageError += (_, error) => _console.Enqueue($"[tab {tab}] pageerror: {error}");
        page.RequestFailed += (_, request) => _console.Enqueue($"[tab {tab}] requestfailed: {request.Method} {request.Url} {request.Failure}");
        // Which response changed the session (for a failed test's log): the front token says who and until when, or "remove".
        page.Response += (_, response) =>
        {
            if (response.Headers.TryGetValue("front-token", out var frontToken))
            {
                _console.Enqueue($"[tab {tab}] {DateTime.UtcNow:HH:mm:ss.fff} {response.Status} {response.Request.Method} {response.Url} front-token: "
                    + (frontToken == "remove" ? "remove" : frontToken[..Math.Min(12, frontToken.Length)] + "…"));
            }
        };
        await page.GotoAsync(new Uri(baseAddress ?? Fixture.Demo.BaseAddress, path).ToString());
        await page.Locator(readySelector).First.WaitForAsync();
        return page;
    }

    protected static async Task LogInAsync(IPage page, string userName)
    {
        await page.FillAsync("#user-name", userName);
        await page.ClickAsync("#login");
        await Assertions.Expect(page.Locator("#auth-user")).ToHaveTextAsync(userName);
    }

    protected static Task ExpectCallResultAsync(IPage page, string text) =>
        Assertions.Expect(page.Locator("#call-result")).ToHaveTextAsync(new Regex(Regex.Escape(text)));

    /// <summary>Waits until the page's countdown reaches 0: the access token has expired and the next call must refresh.</summary>
    protected static async Task WaitForExpiryAsync(IPage page)
    {
        var timeout = (float)(DemoFixture.AccessTokenLifetime + StepTimeout).TotalMilliseconds;
        await Assertions.Expect(page.Locator("#session-expires-in")).ToHaveTextAsync("0", new() { Timeout = timeout });
        await Assertions.Expect(page.GetByText("(expired: the next call refreshes)")).ToBeVisibleAsync();
    }

    /// <summary>The server's refresh count as the page shows it.</summary>
    protected static async Task<int> ServerRefreshCountAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("#server-refresh-count")).ToHaveTextAsync(new Regex("^[0-9]+$"));
        return int.Parse(await page.Locator("#server-refresh-count").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected static Task ExpectServerRefreshCountAsync(IPage page, int count) =>
        Assertions.Expect(page.Locator("#server-refresh-count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Waits until the tab's event log holds <paramref name="type"/> exactly <paramref name="count"/> times.</summary>
    protected static Task ExpectEventAsync(IPage page, string type, int count = 1) =>
        Assertions.Expect(page.Locator($"#event-log li.event[data-type='{type}']")).ToHaveCountAsync(count);

    /// <summary>How often <paramref name="type"/> is in the tab's event log now.</summary>
    protected static Task<int> EventCountAsync(IPage page, string type) => page.Locator($"#event-log li.event[data-type='{type}']").CountAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result is TestResult.Failed)
        {
            var name = Regex.Replace(TestContext.Current.Test?.TestDisplayName ?? "test", "[^A-Za-z0-9_.-]+", "_");
            Directory.CreateDirectory(RepositoryPaths.Artifacts);
            for (var i = 0; i < _pages.Count; i++)
            {
                try
                {
                    await _pages[i].ScreenshotAsync(new() { Path = Path.Combine(RepositoryPaths.Artifacts, $"{name}.tab{i + 1}.png"), FullPage = true });
                }
                catch (PlaywrightException)
                {
                    // the page may be closed
                }
            }

            await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.Artifacts, $"{name}.log"),
                string.Join('\n', _console) + "\n--- demo output ---\n" + Fixture.Demo.Output);
        }

        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        GC.SuppressFinalize(this);
    }
}
