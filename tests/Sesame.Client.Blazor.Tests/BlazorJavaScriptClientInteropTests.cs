using System.Text.Json;
using Microsoft.Playwright;
using Sesame.Client.Blazor.Tests.Infrastructure;

namespace Sesame.Client.Blazor.Tests;

/// <summary>The official JavaScript client (supertokens-website, npm bundle) and the Blazor client in one origin share one session.</summary>
public sealed class BlazorJavaScriptClientInteropTests(BlazorAppFixture fixture) : BlazorBrowserTest(fixture)
{
    [Fact]
    public async Task Blazor_and_official_client_share_one_session_through_each_others_refreshes()
    {
        var blazor = await OpenAppAsync();
        await LogInAsync(blazor, "ivan");
        var js = await OpenPageAsync("test-assets/js-client.html");

        // The official client reads the session the Blazor client stored (same cookies, same format).
        Assert.True(await js.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal("ivan", await js.EvaluateAsync<string>("() => supertokens.getUserId()"));
        Assert.Equal(200, await FetchStatusAsync(js));
        Assert.Equal(0, Host.RefreshCount);

        // The official client refreshes; the Blazor client keeps working without refreshing again.
        Host.ExpireAccessTokens();
        Assert.Equal(200, await FetchStatusAsync(js));
        Assert.Equal(1, Host.RefreshCount);
        await blazor.ClickAsync("#call-once");
        await ExpectCallResultAsync(blazor, "GET /api/me: 200");
        Assert.Equal(1, Host.RefreshCount);

        // The Blazor client refreshes; the official client keeps working without refreshing again.
        Host.ExpireAccessTokens();
        await blazor.ClickAsync("#call-once");
        await ExpectCallResultAsync(blazor, "GET /api/me: 200");
        await ExpectEventAsync(blazor, "refreshed", 1);
        Assert.Equal(2, Host.RefreshCount);
        Assert.Equal(200, await FetchStatusAsync(js));
        Assert.Equal(2, Host.RefreshCount);

        // A payload update through Blazor is what the official client reads.
        await blazor.ClickAsync("#update-payload");
        await ExpectCallResultAsync(blazor, "POST /api/payload: 200");
        var payload = await js.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        Assert.Equal(1, payload.GetProperty("clicks").GetInt32());

        // Signing out with the official client signs the Blazor tab out.
        await js.EvaluateAsync("() => supertokens.signOut()");
        await ExpectSignedOutAsync(blazor);
        Assert.Equal(0, Host.TheftCount);
        // The Blazor tab saw its own refresh once (the official client's refresh is not its event) and its payload update.
        var events = await EventsAsync(blazor);
        Assert.Equal("created", events[0]);
        Assert.Single(events, e => e == "refreshed");
        Assert.Contains("payload-updated", events);
    }

    [Fact]
    public async Task Blazor_and_official_client_calling_at_once_on_an_expired_session_refresh_exactly_once()
    {
        var blazor = await OpenAppAsync();
        await LogInAsync(blazor, "judy");
        var js = await OpenPageAsync("test-assets/js-client.html");
        Assert.True(await js.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Host.ExpireAccessTokens();

        // A slow refresh endpoint: both clients' expired calls surely arrive while the first refresh is in flight. The Blazor client takes
        // the official client's localStorage lock too, so whichever refreshes first, the other re-sends without refreshing.
        Host.RefreshDelay = TimeSpan.FromMilliseconds(600);
        var jsCalls = js.EvaluateAsync<int[]>("() => Promise.all(Array.from({ length: 20 }, async () => (await fetch('/api/me')).status))");
        await blazor.ClickAsync("#call-parallel");
        var jsStatuses = await jsCalls;

        await ExpectCallResultAsync(blazor, "20 × GET /api/me: 20 × 200");
        Assert.All(jsStatuses, status => Assert.Equal(200, status));
        Assert.Equal(1, Host.RefreshCount);
        Assert.Equal(0, Host.TheftCount);
    }

    private static Task<int> FetchStatusAsync(IPage page) =>
        page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status");
}
