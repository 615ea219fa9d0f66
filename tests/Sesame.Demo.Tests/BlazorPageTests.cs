using Microsoft.Playwright;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>The demo's Blazor page (samples/Demo.Client served by samples/Demo at /), as the README's first command shows it.</summary>
public sealed class BlazorPageTests(DemoFixture fixture) : DemoBrowserTest(fixture)
{
    [Fact]
    public async Task LogIn_CallApi_ExpiredTokenRefreshes_PayloadUpdates_SignOut_AndScreenshotForReadme()
    {
        var page = await OpenAsync("");
        await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");
        var refreshesBefore = await ServerRefreshCountAsync(page);

        await LogInAsync(page, "alice");
        await ExpectEventAsync(page, "created");
        await Assertions.Expect(page.Locator("#session-user-id")).ToHaveTextAsync("alice");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"greeting\": \"hello alice\"");

        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200 {\"userId\":\"alice\"}");
        await ExpectServerRefreshCountAsync(page, refreshesBefore);

        // The access token expires (3 s); the next call gets 401, the client refreshes once and retries.
        await WaitForExpiryAsync(page);
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200 {\"userId\":\"alice\"}");
        await ExpectEventAsync(page, "refreshed");
        await ExpectServerRefreshCountAsync(page, refreshesBefore + 1);
        await Assertions.Expect(page.Locator("#session-expires-in")).Not.ToHaveTextAsync("0");

        // Login and refresh changed the front token too, so count this update's event on top of those.
        var payloadEvents = await EventCountAsync(page, "payload-updated");
        await page.ClickAsync("#update-payload");
        await ExpectCallResultAsync(page, "POST /api/payload: 200");
        await ExpectEventAsync(page, "payload-updated", payloadEvents + 1);
        // On a slow machine the 3 s token may have expired before the server handled the update: the payload is then stored and
        // arrives with the next refresh, which the next call makes. Either way one call later the page shows it.
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"color\": \"blue\"");

        // The README's screenshot: signed in, refreshed once, payload updated, the event log filled.
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
    public async Task TwentyParallelCallsOnAnExpiredToken_AllSucceed_WithOneServerRefresh()
    {
        var page = await OpenAsync("");
        await LogInAsync(page, "bob");
        var refreshesBefore = await ServerRefreshCountAsync(page);

        await WaitForExpiryAsync(page);
        await page.ClickAsync("#call-parallel");

        await ExpectCallResultAsync(page, "20 × GET /api/me: 20 × 200");
        await ExpectEventAsync(page, "refreshed");
        await ExpectServerRefreshCountAsync(page, refreshesBefore + 1);
        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#auth-state")).ToHaveTextAsync("Signed out");
    }

    [Fact]
    public async Task HeaderLink_OpensTheJavaScriptPage_OnTheSameSession()
    {
        var page = await OpenAsync("");
        await LogInAsync(page, "grace");

        await page.ClickAsync("header a[href='js.html']");
        await page.WaitForURLAsync("**/js.html");
        await Assertions.Expect(page.Locator("#auth-user")).ToHaveTextAsync("grace");
        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#auth-state-out")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SecondTab_ShowsTheSameSession_AndSignsOutWithTheFirst()
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
}
