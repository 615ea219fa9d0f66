using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Playwright;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>
/// ASP.NET Core Identity behind <c>Sesame.AspNetCore.Identity</c> (docs/identity.md), driven from a page by the official JavaScript
/// client in Chromium: <c>MapSesameIdentityApi</c>'s register and password login, calls through the client's <c>fetch</c>
/// interception, Identity's security-stamp rule reaching the browser's refresh, and an Identity role reaching <c>[Authorize(Roles)]</c>.
/// </summary>
public sealed class BrowserIdentityTests(IdentityChromiumFixture fixture) : IClassFixture<IdentityChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Passw0rd!";
    private const string NewPassword = "N3w-Passw0rd!";
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromHours(1); // Sesame's default, which the host keeps
    private static readonly HttpClient Http = new(new HttpClientHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<string> _console = new();
    private readonly ConcurrentQueue<(string Url, int Status)> _responses = new();
    private IBrowserContext? _context;
    private IPage? _page;

    private IPage Page => _page ?? throw new InvalidOperationException("The page is not open.");

    private string Origin => fixture.Host.Origin.GetLeftPart(UriPartial.Authority);

    public async ValueTask InitializeAsync()
    {
        _context = await fixture.Browser.NewContextAsync();
        // The page's clock starts at the server's; ExpireAccessTokensAsync moves both together.
        await _context.Clock.InstallAsync(new ClockInstallOptions { TimeDate = fixture.Clock.GetUtcNow().UtcDateTime });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => _console.Enqueue($"{message.Type}: {message.Text}");
        _page.PageError += (_, error) => _console.Enqueue($"pageerror: {error}");
        _page.Response += (_, response) => _responses.Enqueue((new Uri(response.Url).AbsolutePath, response.Status));
        await _page.GotoAsync(Origin + "/");
        await _page.EvaluateAsync("""
            (apiDomain) => {
              window.events = [];
              supertokens.init({ apiDomain, apiBasePath: "/auth", onHandleEvent: (event) => window.events.push(event.action) });
            }
            """, Origin);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            if (TestContext.Current.TestState?.Result is TestResult.Failed)
            {
                TestContext.Current.SendDiagnosticMessage("Browser console:\n" + string.Join('\n', _console));
            }

            await _context.CloseAsync();
        }
    }

    [Fact]
    public async Task Browser_Identity_register_login_protected_call_then_a_password_change_elsewhere_makes_the_refresh_401_the_client_reports_the_session_expired_and_login_works_again()
    {
        const string email = "alice@example.com";
        Assert.Equal(200, (await FetchAsync("/register", "POST", new { email, password = Password })).Status);
        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));

        // Password login through the client's interception: the request says st-auth-mode: cookie, so the session comes as cookies.
        Assert.Equal(200, (await FetchAsync("/login", "POST", new { email, password = Password })).Status);
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        var payload = await Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        Assert.Equal(email, payload.GetProperty("email").GetString());
        Assert.Equal(await UserIdAsync(email), await Page.EvaluateAsync<string>("() => supertokens.getUserId()"));
        Assert.Equal((200, email), await FetchAsync("/api/me"));
        Assert.Equal(["SESSION_CREATED"], await EventsAsync());

        // Another session of the same user (another device, header mode, plain HTTP) changes the password through /manage/info.
        var otherDevice = await LoginWithHeadersAsync(email, Password);
        using (var change = new HttpRequestMessage(HttpMethod.Post, Origin + "/manage/info"))
        {
            change.Headers.Authorization = new("Bearer", otherDevice);
            change.Headers.Add("st-auth-mode", "header");
            change.Content = JsonContent.Create(new { oldPassword = Password, newPassword = NewPassword });
            using var changed = await Http.SendAsync(change, TestContext.Current.CancellationToken);
            Assert.Equal(200, (int)changed.StatusCode);
        }

        // The change revoked the page's session. When the page's access token has expired, the client refreshes, the refresh finds the
        // session revoked and answers 401, and the client reports the session as ended. (Before expiry, the instance that made the
        // change already refuses the token, with front-token: remove and no refresh; another instance accepts it until it expires:
        // docs/identity.md, "The window".)
        await ExpireAccessTokensAsync();
        _responses.Clear();
        Assert.Equal(401, (await FetchAsync("/api/me")).Status);
        Assert.Contains(("/auth/session/refresh", 401), _responses);
        Assert.Contains("UNAUTHORISED", await EventsAsync());
        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal("No session exists", await Page.EvaluateAsync<string>(
            "async () => { try { await supertokens.getUserId(); return 'resolved'; } catch (e) { return e.message; } }"));

        // The old password no longer logs in (400, MapIdentityApi's problem body); the new one does, and calls work again.
        var refused = await FetchAsync("/login", "POST", new { email, password = Password });
        Assert.Equal(400, refused.Status);
        Assert.Equal("Failed", JsonDocument.Parse(refused.Body).RootElement.GetProperty("detail").GetString());
        Assert.Equal(200, (await FetchAsync("/login", "POST", new { email, password = NewPassword })).Status);
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal((200, email), await FetchAsync("/api/me"));
    }

    [Fact]
    public async Task Browser_Identity_role_reaches_the_access_token_payload_and_Authorize_Roles()
    {
        const string admin = "admin@example.com";
        const string member = "member@example.com";
        foreach (var email in new[] { admin, member })
        {
            Assert.Equal(200, (await FetchAsync("/register", "POST", new { email, password = Password })).Status);
        }

        await fixture.Host.WithUsersAsync(async (users, roles) =>
        {
            if (!await roles.RoleExistsAsync("admin"))
            {
                Assert.True((await roles.CreateAsync(new IdentityRole("admin"))).Succeeded);
            }

            Assert.True((await users.AddToRoleAsync((await users.FindByEmailAsync(admin))!, "admin")).Succeeded);
        });

        Assert.Equal(200, (await FetchAsync("/login", "POST", new { email = member, password = Password })).Status);
        Assert.Equal(403, (await FetchAsync("/api/admin")).Status);

        Assert.Equal(200, (await FetchAsync("/login", "POST", new { email = admin, password = Password })).Status);
        var roles = await Page.EvaluateAsync<string[]>("async () => (await supertokens.getAccessTokenPayloadSecurely()).roles");
        Assert.Equal(["admin"], roles);
        Assert.Equal((200, "admin ok"), await FetchAsync("/api/admin"));

        // The role survives a refresh made by the client (the session keeps its payload).
        await ExpireAccessTokensAsync();
        _responses.Clear();
        Assert.Equal((200, "admin ok"), await FetchAsync("/api/admin"));
        Assert.Contains(("/auth/session/refresh", 200), _responses);
    }

    /// <summary>Runs <c>fetch</c> in the page (so the client intercepts it) and returns the status and the body.</summary>
    private Task<(int Status, string Body)> FetchAsync(string path, string method = "GET", object? body = null) =>
        Page.FetchAsync(Origin + path, method, body is null ? null : JsonSerializer.Serialize(body));

    private Task<string[]> EventsAsync() => Page.EventsAsync();

    /// <summary>
    /// Moves the server's clock and the page's clock together past the access-token lifetime: the tokens issued so far expire, no real
    /// time passes, and tokens issued afterwards live a full lifetime (docs/browser-interop.md).
    /// </summary>
    private Task ExpireAccessTokensAsync() => Page.AdvanceClocksAsync(fixture.Clock, AccessTokenLifetime + TimeSpan.FromSeconds(5));

    private async Task<string> UserIdAsync(string email)
    {
        string? id = null;
        await fixture.Host.WithUsersAsync(async (users, _) => id = (await users.FindByEmailAsync(email))!.Id);
        return id!;
    }

    /// <summary><c>POST /login</c> as a non-browser client in header mode; returns the access token.</summary>
    private async Task<string> LoginWithHeadersAsync(string email, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Origin + "/login") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Add("st-auth-mode", "header");
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        return response.Headers.GetValues("st-access-token").Single();
    }
}
