using Microsoft.Playwright;
using Sesame.Client.Blazor.Tests.Infrastructure;

namespace Sesame.Client.Blazor.Tests;

/// <summary>The demo Blazor app in one tab: log in, call, expiry ⇒ one refresh, payload update, sign-out, [Authorize] page.</summary>
public sealed class BlazorSessionTests(BlazorAppFixture fixture) : BlazorBrowserTest(fixture)
{
    [Fact]
    public async Task Blazor_login_call_and_sign_out_update_AuthorizeView()
    {
        var page = await OpenAppAsync();
        await ExpectSignedOutAsync(page);

        await LogInAsync(page, "alice");
        await Assertions.Expect(page.Locator("#session-user-id")).ToHaveTextAsync("alice");
        await Assertions.Expect(page.Locator("#header-user")).ToHaveTextAsync("alice");

        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200");
        await Assertions.Expect(page.Locator("#call-result")).ToContainTextAsync("\"userId\":\"alice\"");

        // The session cookies are the browser's (HttpOnly); the frontend values are the official client's cookies.
        var cookies = (await Context.CookiesAsync()).ToDictionary(c => c.Name);
        Assert.True(cookies["sAccessToken"].HttpOnly);
        Assert.False(cookies["sFrontToken"].HttpOnly);
        Assert.True(cookies.ContainsKey("st-last-access-token-update"));

        await page.ClickAsync("#sign-out");
        await ExpectSignedOutAsync(page);
        await Assertions.Expect(page.Locator("#session-none")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#header-user")).ToHaveTextAsync("not signed in");
        Assert.Equal(["created", "signed-out"], await EventsAsync(page));
        Assert.DoesNotContain("sFrontToken", (await Context.CookiesAsync()).Select(c => c.Name));
    }

    [Fact]
    public async Task Blazor_expired_access_token_is_refreshed_once_for_20_parallel_calls()
    {
        var page = await OpenAppAsync();
        await LogInAsync(page, "bob");
        Host.ExpireAccessTokens();

        await page.ClickAsync("#call-parallel");
        await ExpectCallResultAsync(page, "20 × GET /api/me: 20 × 200");
        Assert.Equal(1, Host.RefreshCount);
        Assert.Equal(0, Host.TheftCount);
        await ExpectEventAsync(page, "refreshed", 1);
        await Assertions.Expect(page.Locator("#server-refresh-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#auth-user")).ToHaveTextAsync("bob");
    }

    [Fact]
    public async Task Blazor_payload_update_shows_in_session_view_and_event_log()
    {
        var page = await OpenAppAsync();
        await LogInAsync(page, "dora");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("hello dora");

        await page.ClickAsync("#update-payload");
        await ExpectCallResultAsync(page, "POST /api/payload: 200");
        await ExpectEventAsync(page, "payload-updated", 1);
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"clicks\": 1");
        Assert.Equal(0, Host.RefreshCount);
    }

    [Fact]
    public async Task Blazor_Authorize_page_follows_the_session()
    {
        var page = await OpenPageAsync("account");
        // The WebAssembly app boots first: on a loaded machine (load average 20 seen) that alone takes longer than 5 s.
        await Assertions.Expect(page.Locator("#not-authorized")).ToBeVisibleAsync(new() { Timeout = 90_000 });

        await page.ClickAsync("nav a[href='']");
        await LogInAsync(page, "erin");
        await page.ClickAsync("nav a[href='account']");
        await Assertions.Expect(page.Locator("#account-user")).ToHaveTextAsync("erin");

        // Signing out from another tab of the same browser: the [Authorize] page notices the cookies change and closes itself.
        var other = await OpenAppAsync();
        await other.ClickAsync("#sign-out");
        await ExpectSignedOutAsync(other);
        await Assertions.Expect(page.Locator("#not-authorized")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Blazor_session_revoked_on_the_server_ends_with_unauthorised_and_signed_out_view()
    {
        var page = await OpenAppAsync();
        await LogInAsync(page, "frank");
        await Host.Sessions.RevokeAllSessionsForUserAsync("frank");
        Host.ExpireAccessTokens();

        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 401");
        await ExpectSignedOutAsync(page);
        await ExpectEventAsync(page, "unauthorised", 1);
        Assert.Equal(0, Host.RefreshCount);
    }
}
