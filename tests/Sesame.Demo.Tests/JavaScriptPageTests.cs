using Microsoft.Playwright;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>The demo's second page, /js.html: the official JavaScript client (npm supertokens-website) on the same server and origin.</summary>
public sealed class JavaScriptPageTests(DemoFixture fixture) : DemoBrowserTest(fixture)
{
    [Fact]
    public async Task Log_in_call_api_expired_token_refreshes_payload_updates_sign_out()
    {
        var page = await OpenAsync("js.html");
        await Assertions.Expect(page.Locator("#auth-state-out")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#bundle-missing")).ToBeHiddenAsync();

        await LogInAsync(page, "dave");
        await ExpectCallResultAsync(page, "login: 200");
        await ExpectEventAsync(page, "created");
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"greeting\": \"hello dave\"");

        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200 {\"userId\":\"dave\"}");

        await WaitForExpiryAsync(page);
        var before = await MarkRefreshesAsync();
        await page.ClickAsync("#call-parallel");
        await ExpectCallResultAsync(page, "20 × GET /api/me: 20 × 200");
        await ExpectEventAtLeastAsync(page, "refreshed", 1);
        await ExpectServerRefreshCountAsync(page, await ExpectOneRefreshPerExpiryAsync(before));

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
        await Assertions.Expect(page.Locator("#session-payload")).ToContainTextAsync("\"from\": \"javascript\"");

        await page.ClickAsync("#sign-out");
        await ExpectCallResultAsync(page, "signed out");
        await ExpectEventAsync(page, "signed-out");
        await Assertions.Expect(page.Locator("#auth-state-out")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#session-none")).ToHaveTextAsync("No session.");
    }

    [Fact]
    public async Task Blazor_and_JavaScript_tabs_share_one_session_refreshed_by_either_signed_out_by_either()
    {
        var blazor = await OpenAsync("");
        await LogInAsync(blazor, "erin");

        // The JavaScript page in a second tab is already signed in: same origin, same cookies, same session.
        var javaScript = await OpenAsync("js.html");
        await Assertions.Expect(javaScript.Locator("#auth-user")).ToHaveTextAsync("erin");

        // The official client refreshes the expired session; the Blazor tab goes on with the rotated tokens (had it kept the old refresh
        // token, its next refresh would have been a replay: theft detected, session revoked, 401).
        await WaitForExpiryAsync(javaScript);
        var beforeJavaScript = await MarkRefreshesAsync();
        await javaScript.ClickAsync("#call-once");
        await ExpectCallResultAsync(javaScript, "GET /api/me: 200 {\"userId\":\"erin\"}");
        await ExpectEventAtLeastAsync(javaScript, "refreshed", 1);
        await ExpectServerRefreshCountAsync(javaScript, await ExpectOneRefreshPerExpiryAsync(beforeJavaScript));
        await WaitForExpiryAsync(blazor);
        var beforeBlazor = await MarkRefreshesAsync();
        await blazor.ClickAsync("#call-once");
        await ExpectCallResultAsync(blazor, "GET /api/me: 200 {\"userId\":\"erin\"}");
        await ExpectEventAtLeastAsync(blazor, "refreshed", 1);
        await ExpectOneRefreshPerExpiryAsync(beforeBlazor);

        // A payload update from Blazor reaches the JavaScript tab: through the shared front-token cookie, or (when the 3 s token expired
        // before the server handled the update on a slow machine) with the refresh the JavaScript tab's next call makes.
        await blazor.ClickAsync("#update-payload");
        await ExpectCallResultAsync(blazor, "POST /api/payload: 200");
        await javaScript.ClickAsync("#call-once");
        await ExpectCallResultAsync(javaScript, "GET /api/me: 200");
        await Assertions.Expect(javaScript.Locator("#session-payload")).ToContainTextAsync("\"color\": \"blue\"");

        // Signing out with the official client ends the Blazor tab's session too.
        await javaScript.ClickAsync("#sign-out");
        await Assertions.Expect(javaScript.Locator("#auth-state-out")).ToBeVisibleAsync();
        await Assertions.Expect(blazor.Locator("#auth-state")).ToHaveTextAsync("Signed out");
    }

    [Fact]
    public async Task Without_the_bundle_the_page_says_how_to_build_it()
    {
        // A second demo whose bundle path points nowhere: a clean clone before build/deps/browser-assets.sh ran.
        await using var demo = await DemoProcess.StartAsync(["--Demo:JavaScriptClientBundle=does-not-exist/supertokens.js"], TimeSpan.FromSeconds(90));
        Assert.Contains("bash build/deps/browser-assets.sh", demo.Output, StringComparison.Ordinal);

        var page = await OpenAsync("js.html", demo.BaseAddress, "#bundle-missing:visible");
        await Assertions.Expect(page.Locator("#bundle-missing")).ToContainTextAsync("The official JavaScript client is not built yet.");
        await Assertions.Expect(page.Locator("#bundle-missing pre")).ToHaveTextAsync("bash build/deps/browser-assets.sh");
        await Assertions.Expect(page.Locator("#signed-out")).ToBeHiddenAsync();

        // The Blazor page of that demo works regardless.
        var blazor = await OpenAsync("", demo.BaseAddress);
        await LogInAsync(blazor, "frank");
    }
}
