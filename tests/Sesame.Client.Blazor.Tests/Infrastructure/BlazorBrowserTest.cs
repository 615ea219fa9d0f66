using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sesame.Client.Blazor.Tests.Infrastructure;

/// <summary>
/// One test = one fresh browser context (its own cookie jar = one browser profile); pages opened through <see cref="OpenAppAsync"/> are
/// tabs of it. Counters are reset per test. A failed test leaves a screenshot per tab and the console under <c>artifacts/blazor/</c>.
/// </summary>
public abstract class BlazorBrowserTest(BlazorAppFixture fixture) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _console = new();
    private readonly List<IPage> _pages = [];
    private IBrowserContext? _context;

    protected BlazorAppFixture Fixture { get; } = fixture;

    protected BlazorTestHost Host => Fixture.Host;

    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("The browser context is not open.");

    /// <summary>Generous for a loaded 2-core machine; a passing step takes well under a second.</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    public virtual async ValueTask InitializeAsync()
    {
        Host.ResetCounters();
        _context = await Fixture.Browser.NewContextAsync();
        _context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
    }

    /// <summary>Opens a tab on <paramref name="path"/> of the Blazor app and waits until the app has started and knows the session state.</summary>
    protected async Task<IPage> OpenAppAsync(string path = "")
    {
        var page = await OpenPageAsync(path);
        await page.Locator("#auth-state").WaitForAsync();
        return page;
    }

    /// <summary>Opens a tab on any path of the host, recording its console.</summary>
    protected async Task<IPage> OpenPageAsync(string path)
    {
        var page = await Context.NewPageAsync();
        var tab = _pages.Count + 1;
        _pages.Add(page);
        page.Console += (_, message) => _console.Enqueue($"[tab {tab}] {message.Type}: {message.Text}");
        page.PageError += (_, error) => _console.Enqueue($"[tab {tab}] pageerror: {error}");
        page.RequestFailed += (_, request) => _console.Enqueue($"[tab {tab}] requestfailed: {request.Method} {request.Url} {request.Failure}");
        await page.GotoAsync(new Uri(Host.BaseAddress, path).ToString());
        return page;
    }

    protected static async Task LogInAsync(IPage page, string userName)
    {
        await page.FillAsync("#user-name", userName);
        await page.ClickAsync("#login");
        await Assertions.Expect(page.Locator("#auth-user")).ToHaveTextAsync(userName);
    }

    protected static Task ExpectSignedOutAsync(IPage page) =>
        Assertions.Expect(page.Locator("#auth-state")).ToHaveAttributeAsync("data-state", "signed-out");

    protected static Task ExpectCallResultAsync(IPage page, string text) =>
        Assertions.Expect(page.Locator("#call-result")).ToHaveTextAsync(new Regex(Regex.Escape(text)));

    /// <summary>The event types in the tab's log, oldest first.</summary>
    protected static async Task<string[]> EventsAsync(IPage page)
    {
        var newestFirst = await page.Locator("#event-log li.event").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.type)");
        return [.. newestFirst.Reverse()];
    }

    /// <summary>Waits until the tab's event log holds <paramref name="type"/> at least <paramref name="count"/> times.</summary>
    protected static Task ExpectEventAsync(IPage page, string type, int count = 1) =>
        Assertions.Expect(page.Locator($"#event-log li.event[data-type='{type}']")).ToHaveCountAsync(count);

    public virtual async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result is TestResult.Failed)
        {
            await SaveArtifactsAsync();
        }

        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        GC.SuppressFinalize(this);
    }

    private async Task SaveArtifactsAsync()
    {
        var test = TestContext.Current.Test;
        var name = string.Concat((GetType().Name + "." + (test?.TestCase.TestMethod?.MethodName ?? "unknown"))
            .Select(static c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        var basePath = Path.Combine(RepositoryPaths.Artifacts, name);
        for (var i = 0; i < _pages.Count; i++)
        {
            try
            {
                await _pages[i].ScreenshotAsync(new PageScreenshotOptions { Path = $"{basePath}.tab{i + 1}.png", FullPage = true });
            }
            catch (PlaywrightException e)
            {
                _console.Enqueue($"(screenshot of tab {i + 1} failed: {e.Message})");
            }
        }

        _console.Enqueue($"server: refreshes {Host.RefreshCount}, thefts {Host.TheftCount}");
        await File.WriteAllLinesAsync(basePath + ".console.log", _console);
        TestContext.Current.SendDiagnosticMessage($"Browser artifacts: {basePath}.tab*.png / .console.log");
    }
}
