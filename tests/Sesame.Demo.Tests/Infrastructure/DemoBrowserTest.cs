using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
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
        // The WebAssembly app boots first: under a load average of 20 that took more than the 20 s step timeout.
        await page.Locator(readySelector).First.WaitForAsync(new() { Timeout = 90_000 });
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

    /// <summary>Where the refreshes stand before a step: its start and the server's refresh count.</summary>
    protected async Task<RefreshMark> MarkRefreshesAsync()
    {
        var server = await ServerStatsRefreshCountAsync();
        return new(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), server);
    }

    /// <summary>
    /// After a step that met an expired access token: the server refreshed, and no more often than once per expiry, however many calls
    /// met it. With 3 s tokens a loaded machine may legitimately meet another expiry inside one step, but only after a refreshed token
    /// lived its lifetime (minus the second the server truncates from the expiry); one refresh per waiting call would exceed that at once.
    /// Call it once the step's calls have answered (the server counts a refresh before it answers). Returns the server's count.
    /// </summary>
    protected async Task<int> ExpectOneRefreshPerExpiryAsync(RefreshMark mark)
    {
        var refreshes = await ServerStatsRefreshCountAsync() - mark.ServerRefreshes;
        var elapsed = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - mark.SinceMs;
        var allowed = 1 + (int)(elapsed / MinimumTokenLifetimeMs);
        Assert.True(refreshes >= 1 && refreshes <= allowed,
            $"expected one refresh per expiry: {refreshes} refreshes in {elapsed} ms (at most {allowed} with {DemoFixture.AccessTokenLifetime.TotalSeconds:0} s tokens)");
        return mark.ServerRefreshes + refreshes;
    }

    /// <summary>
    /// After a step whose access token was valid when it began (it expires at <paramref name="accessTokenExpiryMs"/>, Unix ms): no refresh
    /// unless the step outlived that expiry (a loaded machine), and then at most one per token lifetime after it. Returns the server's count.
    /// </summary>
    protected async Task<int> ExpectNoRefreshBeforeExpiryAsync(RefreshMark mark, long accessTokenExpiryMs)
    {
        var refreshes = await ServerStatsRefreshCountAsync() - mark.ServerRefreshes;
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var allowed = end < accessTokenExpiryMs ? 0 : 1 + (int)((end - accessTokenExpiryMs) / MinimumTokenLifetimeMs);
        Assert.True(refreshes <= allowed,
            $"{refreshes} refreshes while the access token was valid until {end - accessTokenExpiryMs} ms before the step ended (allowed {allowed})");
        return mark.ServerRefreshes + refreshes;
    }

    private static long MinimumTokenLifetimeMs => (long)(DemoFixture.AccessTokenLifetime - TimeSpan.FromSeconds(1)).TotalMilliseconds;

    /// <summary>The server's refresh count, read from <c>GET /api/stats</c> (answered without a session).</summary>
    protected async Task<int> ServerStatsRefreshCountAsync()
    {
        using var http = new HttpClient { BaseAddress = Fixture.Demo.BaseAddress };
        var stats = await http.GetFromJsonAsync<JsonElement>("api/stats", TestContext.Current.CancellationToken);
        return stats.GetProperty("refreshCount").GetInt32();
    }

    /// <summary>The access token's expiry (<c>exp</c>, Unix seconds) in the payload the page shows.</summary>
    protected static async Task<long> ShownAccessTokenExpiryAsync(IPage page)
    {
        using var payload = JsonDocument.Parse(await page.Locator("#session-payload").InnerTextAsync());
        return payload.RootElement.GetProperty("exp").GetInt64();
    }

    /// <summary>Waits until the tab's event log holds <paramref name="type"/> at least <paramref name="count"/> times (for events that
    /// every new front token raises, such as <c>payload-updated</c>, where a refresh on a slow machine may add one).</summary>
    protected static Task ExpectEventAtLeastAsync(IPage page, string type, int count) =>
        Assertions.Expect(page.Locator($"#event-log li.event[data-type='{type}']").Nth(count - 1)).ToBeAttachedAsync();

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

/// <summary>Where the refreshes stood before a step.</summary>
/// <param name="SinceMs">The step's start, Unix ms.</param>
/// <param name="ServerRefreshes">The server's refresh count.</param>
public readonly record struct RefreshMark(long SinceMs, int ServerRefreshes);
