using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Sesame.Conformance;

namespace Sesame.Interop.Browser.Tests.Infrastructure;

/// <summary>
/// One test = one fresh browser context with the conformance page (<c>/index.html</c>) and the official client's
/// bundle loaded, after the reference suite's per-test set-up (<c>/beforeeach</c> on both ports, a new app with the
/// test's token validity, the anti-CSRF mode). A failed test leaves a screenshot and the browser console under
/// <c>artifacts/browser/</c>.
/// </summary>
public abstract class BrowserTest(ChromiumFixture chromium) : IAsyncLifetime
{
    /// <summary>A plain HTTP client for the suite's plumbing calls (as the reference suite makes them from node).</summary>
    protected static HttpClient Http { get; } = new(new HttpClientHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
    /// <summary>How far <see cref="ExpireAccessTokensAsync"/> moves past a token's lifetime (the front token's times are whole seconds).</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(5);
    private readonly ConcurrentQueue<string> _console = new();
    private TimeSpan _accessTokenValidity = TimeSpan.FromHours(1);
    private IBrowserContext? _context;
    private IPage? _page;

    protected ChromiumFixture Chromium { get; } = chromium;

    protected IPage Page => _page ?? throw new InvalidOperationException("The page is not open.");

    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("The browser context is not open.");

    /// <summary>The page origin as the client's <c>apiDomain</c> (no trailing slash).</summary>
    protected string PageOrigin => Chromium.PageOrigin.GetLeftPart(UriPartial.Authority);

    /// <summary>The second port's origin (no trailing slash).</summary>
    protected string CrossOrigin => Chromium.CrossOrigin.GetLeftPart(UriPartial.Authority);

    /// <summary>The first port's counters (refresh called/attempted, GET / called).</summary>
    protected PortCounters PageCounters => Chromium.Server.CountersFor(Chromium.PageOrigin);

    /// <summary>The second port's counters.</summary>
    protected PortCounters CrossCounters => Chromium.Server.CountersFor(Chromium.CrossOrigin);

    /// <summary>The browser console so far (also written to artifacts when the test fails).</summary>
    protected IReadOnlyCollection<string> ConsoleLines => _console;

    public virtual async ValueTask InitializeAsync()
    {
        _context = await Chromium.Browser.NewContextAsync();
        // The page's clock starts at the server's time and runs on (timers fire); ExpireAccessTokensAsync moves both together.
        await _context.Clock.InstallAsync(new ClockInstallOptions { TimeDate = Chromium.Clock.GetUtcNow().UtcDateTime });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => _console.Enqueue($"{message.Type}: {message.Text}");
        _page.PageError += (_, error) => _console.Enqueue($"pageerror: {error}");
        _page.RequestFailed += (_, request) => _console.Enqueue($"requestfailed: {request.Method} {request.Url} {request.Failure}");
    }

    /// <summary>
    /// The reference suite's set-up for one test: counters reset on both ports, a new app whose access tokens live
    /// <paramref name="accessTokenValiditySeconds"/>, the anti-CSRF mode; then the page and the client bundle.
    /// </summary>
    /// <param name="accessTokenValiditySeconds">The app's access-token validity (tests expire tokens with <see cref="ExpireAccessTokensAsync"/>, not by waiting).</param>
    /// <param name="antiCsrf"><c>VIA_TOKEN</c> (the suite's default), <c>NONE</c> or <c>VIA_CUSTOM_HEADER</c>.</param>
    protected async Task SetUpAsync(int accessTokenValiditySeconds = 3600, string antiCsrf = "VIA_TOKEN")
    {
        _accessTokenValidity = TimeSpan.FromSeconds(accessTokenValiditySeconds);
        foreach (var origin in new[] { PageOrigin, CrossOrigin })
        {
            (await Http.PostAsync(origin + "/beforeeach", null)).EnsureSuccessStatusCode();
        }

        var app = await Http.PostAsJsonAsync(PageOrigin + "/test/setup/app",
            new { appId = Guid.NewGuid().ToString("N"), coreConfig = new { access_token_validity = accessTokenValiditySeconds } });
        app.EnsureSuccessStatusCode();
        var coreUrl = await app.Content.ReadAsStringAsync();
        foreach (var origin in new[] { PageOrigin, CrossOrigin })
        {
            object body = antiCsrf switch
            {
                "VIA_TOKEN" => new { coreUrl, enableAntiCsrf = true },
                "NONE" => new { coreUrl, enableAntiCsrf = false },
                _ => new { coreUrl, antiCsrf },
            };
            (await Http.PostAsJsonAsync(origin + "/test/setup/st", body)).EnsureSuccessStatusCode();
        }

        await Page.GotoAsync(PageOrigin + "/index.html");
        await Page.AddScriptTagAsync(new PageAddScriptTagOptions { Url = "/assets/supertokens.js" });
    }

    /// <summary>
    /// <c>supertokens.init</c> with <paramref name="apiDomain"/> (default: the page origin) and extra options given
    /// as a JS object literal; every session event is recorded in <c>window.events</c> (as <c>action</c> strings) and
    /// <c>window.eventDetails</c>.
    /// </summary>
    protected Task InitClientAsync(string? apiDomain = null, string extraOptions = "{}") =>
        Page.EvaluateAsync($$"""
            ([apiDomain]) => {
              window.events = [];
              window.eventDetails = [];
              supertokens.init(Object.assign({
                apiDomain,
                onHandleEvent: (event) => { window.events.push(event.action); window.eventDetails.push(event); },
              }, {{extraOptions}}));
            }
            """, new object[] { apiDomain ?? PageOrigin });

    /// <summary>Logs in through the intercepted <c>fetch</c> (as the reference tests do) and returns the body (the user id).</summary>
    protected Task<string> LoginAsync(string userId = "browser-user", string? baseAddress = null) =>
        Page.EvaluateAsync<string>("""
            async ([base, userId]) => {
              const response = await fetch(base + "/login", {
                method: "POST",
                headers: { "Content-Type": "application/json", Accept: "application/json" },
                body: JSON.stringify({ userId }),
              });
              return await response.text();
            }
            """, new object[] { baseAddress ?? PageOrigin, userId });

    /// <summary>Runs <c>fetch(url, init)</c> in the page and returns the status and the body text.</summary>
    protected Task<(int Status, string Body)> FetchAsync(string url, string method = "GET", string? body = null) =>
        Page.FetchAsync(url, method, body);

    /// <summary>The events the client fired so far (<c>window.events</c>).</summary>
    protected Task<string[]> EventsAsync() => Page.EventsAsync();

    /// <summary>The cookies JavaScript can read on the page (<c>document.cookie</c>), by name.</summary>
    protected async Task<Dictionary<string, string>> DocumentCookiesAsync()
    {
        var text = await Page.EvaluateAsync<string>("() => document.cookie");
        return text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static pair => pair.Split('=', 2))
            .ToDictionary(static parts => parts[0], static parts => parts.Length > 1 ? parts[1] : "");
    }

    /// <summary>Every cookie of the browser context (HttpOnly ones included), by name.</summary>
    protected async Task<Dictionary<string, BrowserContextCookiesResult>> AllCookiesAsync() =>
        (await Context.CookiesAsync()).ToDictionary(static c => c.Name);

    /// <summary>
    /// Expires the access tokens issued so far: the server's clock and the page's clock jump together past the token lifetime (the
    /// page's due timers fire, as after a sleeping laptop). No real time passes, and tokens issued afterwards live a full lifetime
    /// again, so a test's later steps never race an expiry however slow the machine is.
    /// </summary>
    protected Task ExpireAccessTokensAsync() => Page.AdvanceClocksAsync(Chromium.Clock, _accessTokenValidity + ExpiryMargin);

    public virtual async ValueTask DisposeAsync()
    {
        if (_page is not null && TestContext.Current.TestState?.Result is TestResult.Failed)
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
        try
        {
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = basePath + ".png", FullPage = true });
        }
        catch (PlaywrightException e)
        {
            _console.Enqueue($"(screenshot failed: {e.Message})");
        }

        await File.WriteAllLinesAsync(basePath + ".console.log", _console);
        TestContext.Current.SendDiagnosticMessage($"Browser artifacts: {basePath}.png / .console.log");
    }
}
