using System.Text.Json;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>Access-token payload updates reach the official client through the front token (docs/protocol/refresh.md#events).</summary>
public sealed class BrowserPayloadEventTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Browser_payload_updates_fire_ACCESS_TOKEN_PAYLOAD_UPDATED_and_survive_a_refresh()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync();
        Assert.Equal(["SESSION_CREATED"], await EventsAsync());

        var (status, body) = await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"test":1,"name":"łukasz 馬 / 马"}""");
        Assert.Equal(200, status);
        Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("test").GetInt32());
        Assert.Equal(["SESSION_CREATED", "ACCESS_TOKEN_PAYLOAD_UPDATED"], await EventsAsync());
        var payload = await PayloadAsync();
        Assert.Equal(1, payload.GetProperty("test").GetInt32());
        Assert.Equal("łukasz 馬 / 马", payload.GetProperty("name").GetString());

        // A refresh changes exp/iat/hashes in the front token: the event fires before REFRESH_SESSION; the retried
        // call is the new token's first use, whose promotion drops parentRefreshTokenHash1: one more event, as with
        // the reference (APU, REFRESH_SESSION, APU). The custom claims stay.
        await WaitForExpiryAsync(validity);
        Assert.Equal("browser-user", (await FetchAsync(PageOrigin + "/")).Body);
        Assert.Equal(
            ["SESSION_CREATED", "ACCESS_TOKEN_PAYLOAD_UPDATED", "ACCESS_TOKEN_PAYLOAD_UPDATED", "REFRESH_SESSION", "ACCESS_TOKEN_PAYLOAD_UPDATED"],
            await EventsAsync());
        Assert.Equal(1, (await PayloadAsync()).GetProperty("test").GetInt32());

        // The reference's POST /update-jwt replaces the custom claims.
        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"test":2}""")).Status);
        payload = await PayloadAsync();
        Assert.Equal(2, payload.GetProperty("test").GetInt32());
        Assert.False(payload.TryGetProperty("name", out _));
        Assert.Equal("ACCESS_TOKEN_PAYLOAD_UPDATED", (await EventsAsync())[^1]);

        await Page.EvaluateAsync("() => supertokens.signOut()");
        Assert.Equal("SIGN_OUT", (await EventsAsync())[^1]);
        Assert.Equal(1, PageCounters.RefreshCalled);
    }

    private Task<JsonElement> PayloadAsync() => Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
}
