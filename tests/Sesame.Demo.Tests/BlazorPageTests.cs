using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>The demo's Blazor page (samples/Demo.Client served by samples/Demo at /), as the README's first command shows it.</summary>
public sealed class BlazorPageTests(DemoFixture fixture) : DemoBrowserTest(fixture)
{
    [Fact]
    public async Task Log_in_call_api_expired_token_refreshes_payload_updates_sign_out_and_screenshot_for_readme()
    {
        var page = await OpenAsync("");
        await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");

        await LogInAsync(page, "alice");
        await ExpectEventAsync(page, "created");
        await Assertions.Expect(page.Locator("#session-user-id")).ToHaveTextAsync("alice");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"greeting\": \"hello alice\"");

        // A call with a valid access token does not refresh (on a loaded machine the 3 s token may be gone by the time of the call:
        // then only a refresh after its expiry is allowed).
        var loginExpiry = await ShownAccessTokenExpiryAsync(page);
        var beforeCall = await MarkRefreshesAsync();
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200 {\"userId\":\"alice\"}");
        await ExpectServerRefreshCountAsync(page, await ExpectNoRefreshBeforeExpiryAsync(beforeCall, loginExpiry * 1000));

        // The access token expires (3 s); the next call gets 401, the client refreshes once and retries.
        await WaitForExpiryAsync(page);
        var expiredAt = await ShownAccessTokenExpiryAsync(page);
        var beforeRefresh = await MarkRefreshesAsync();
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200 {\"userId\":\"alice\"}");
        await ExpectEventAtLeastAsync(page, "refreshed", 1);
        var refreshes = await ExpectOneRefreshPerExpiryAsync(beforeRefresh);
        await ExpectServerRefreshCountAsync(page, refreshes);
        Assert.True(await ShownAccessTokenExpiryAsync(page) > expiredAt, "the page should show the refreshed access token's later expiry");

        // Every new front token raises payload-updated (login, refresh and promotion change exp/iat/hashes), and on a slow machine the
        // 3 s token may expire around the update and add a refresh: so wait for one more event than before, not an exact count.
        var payloadEvents = await EventCountAsync(page, "payload-updated");
        await page.ClickAsync("#update-payload");
        await ExpectCallResultAsync(page, "POST /api/payload: 200");
        await ExpectEventAtLeastAsync(page, "payload-updated", payloadEvents + 1);
        // On a slow machine the 3 s token may have expired before the server handled the update: the payload is then stored and
        // arrives with the next refresh, which the next call makes. Either way one call later the page shows it.
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"color\": \"blue\"");

        // The user's sessions, as the README's screenshot shows them: this browser, its address, when it was last seen.
        await page.ClickAsync("#list-sessions");
        await ExpectCallResultAsync(page, "GET /api/sessions: 200");
        await Assertions.Expect(page.Locator("#sessions li.session-row[data-current='true'] .device")).ToHaveTextAsync(new Regex("Chrome on Linux$"));

        // The README's screenshot: signed in, refreshed once, payload updated, the sessions list, the event log filled.
        Directory.CreateDirectory(Path.GetDirectoryName(RepositoryPaths.Screenshot)!);
        await page.ScreenshotAsync(new() { Path = RepositoryPaths.Screenshot, FullPage = true });
        if (RepositoryPaths.UpdateReadmeScreenshot)
        {
            File.Copy(RepositoryPaths.Screenshot, RepositoryPaths.ReadmeScreenshot, overwrite: true);
        }

        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");
        await ExpectEventAsync(page, "signed-out");
        await Assertions.Expect(page.Locator("#session-none")).ToHaveTextAsync("No session.");
        Assert.True(new FileInfo(RepositoryPaths.Screenshot).Length > 10_000, "the screenshot should hold a rendered page");
    }

    [Fact]
    public async Task Twenty_parallel_calls_on_an_expired_token_all_succeed_with_one_server_refresh()
    {
        var page = await OpenAsync("");
        await LogInAsync(page, "bob");

        await WaitForExpiryAsync(page);
        var before = await MarkRefreshesAsync();
        await page.ClickAsync("#call-parallel");

        await ExpectCallResultAsync(page, "20 × GET /api/me: 20 × 200");
        await ExpectEventAtLeastAsync(page, "refreshed", 1);
        await ExpectServerRefreshCountAsync(page, await ExpectOneRefreshPerExpiryAsync(before));
        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");
    }

    [Fact]
    public async Task Header_link_opens_the_JavaScript_page_on_the_same_session()
    {
        var page = await OpenAsync("");
        await LogInAsync(page, "grace");

        await page.ClickAsync("header a[href='js.html']");
        // Waits for the page's own state, not for its load event (which waits for every resource and once took over 20 s on a
        // loaded machine); the official client's bundle runs before #auth-user is filled.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/js\\.html$"), new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("#auth-user")).ToHaveTextAsync("grace", new() { Timeout = 90_000 });
        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#auth-state-out")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Second_tab_shows_the_same_session_and_signs_out_with_the_first()
    {
        var first = await OpenAsync("");
        await LogInAsync(first, "carol");

        var second = await OpenAsync("");
        await Assertions.Expect(second.Locator("#auth-user")).ToHaveTextAsync("carol");
        await second.ClickAsync("#call-once");
        await ExpectCallResultAsync(second, "GET /api/me: 200 {\"userId\":\"carol\"}");

        await first.ClickAsync("#sign-out");
        await Assertions.Expect(first.Locator("#auth-state")).ToHaveTextAsync("Signed out");
        await Assertions.Expect(second.Locator("#auth-state")).ToHaveTextAsync("Signed out");
    }

    [Fact]
    public async Task Admin_role_invalid_claim_and_sessions_list_with_revoke_on_the_page()
    {
        var page = await OpenAsync("");
        await page.CheckAsync("#login-admin");
        await LogInAsync(page, "victor");
        await Assertions.Expect(page.Locator("#admin-badge")).ToHaveTextAsync("admin");
        await page.ClickAsync("#call-admin");
        await ExpectCallResultAsync(page, "GET /api/admin: 200");

        // The session claim email-verified is false: the server answers the official SDK's 403 and the client raises invalid-claim.
        await page.ClickAsync("#call-verified");
        await ExpectCallResultAsync(page, "GET /api/verified: 403 {\"message\":\"invalid claim\",\"claimValidationErrors\":[{\"id\":\"email-verified\"");
        await ExpectEventAsync(page, "invalid-claim");
        await page.ClickAsync("#verify-email");
        await ExpectCallResultAsync(page, "POST /api/verify-email: 200");
        await page.ClickAsync("#call-verified");
        await ExpectCallResultAsync(page, "GET /api/verified: 200");

        // A second page context is a second device: two sessions listed, this one marked; revoking this tab's session signs it out.
        var other = await Fixture.Browser.NewContextAsync();
        try
        {
            var otherPage = await other.NewPageAsync();
            await otherPage.GotoAsync(Fixture.Demo.BaseAddress.ToString());
            await otherPage.Locator("#auth-state:visible").WaitForAsync(new() { Timeout = 90_000 });
            await LogInAsync(otherPage, "victor");
            await page.ClickAsync("#list-sessions");
            await Assertions.Expect(page.Locator("#sessions li.session-row")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#sessions li.session-row[data-current='true']")).ToHaveCountAsync(1);
            // Device and address from the recorded user agent and connection (Session:RecordClientInfo in the demo's settings).
            foreach (var row in await page.Locator("#sessions li.session-row").AllAsync())
            {
                await Assertions.Expect(row.Locator(".device")).ToHaveTextAsync(new Regex("^(Headless )?Chrome on Linux$"));
                await Assertions.Expect(row).ToContainTextAsync("from 127.0.0.1, last seen");
            }

            await page.ClickAsync("#sessions li.session-row[data-current='false'] button.revoke");
            await Assertions.Expect(page.Locator("#sessions li.session-row")).ToHaveCountAsync(1);
            await otherPage.ClickAsync("#call-once");
            await Assertions.Expect(otherPage.Locator("#auth-state")).ToHaveTextAsync("Signed out");

            await page.ClickAsync("#sessions li.session-row[data-current='true'] button.revoke");
            await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");
        }
        finally
        {
            await other.CloseAsync();
        }
    }
}
