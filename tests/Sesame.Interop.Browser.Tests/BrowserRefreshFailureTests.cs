using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Sesame.AspNetCore;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>What the official client does when our server removes the session or the refresh endpoint fails.</summary>
public sealed class BrowserRefreshFailureTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    /// <summary>
    /// A real 401 that removes the session: the session is revoked on the server while the browser holds a fresh,
    /// not yet used access token from a refresh, so the next call's one-time database check finds no session and our
    /// server answers 401 with <c>front-token: remove</c>. The client must not try to refresh (the reference suite checks the same).
    /// </summary>
    [Fact]
    public async Task Browser_401_that_removes_the_session_is_not_followed_by_a_refresh()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync("revoked-user");
        await WaitForExpiryAsync(validity);
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.attemptRefreshingSession()"));
        Assert.Equal(1, PageCounters.RefreshCalled);

        var sessions = Chromium.Server.SessionServices.GetRequiredService<ISessionService>();
        Assert.NotEmpty(await sessions.RevokeAllSessionsForUserAsync("revoked-user", TestContext.Current.CancellationToken));
        var attempts = PageCounters.RefreshAttempted;

        var result = await Page.EvaluateAsync<JsonElement>("""
            async ([base]) => {
              const response = await fetch(base + "/");
              return { status: response.status, frontToken: response.headers.get("front-token"), url: response.url };
            }
            """, new object[] { PageOrigin });

        Assert.Equal(401, result.GetProperty("status").GetInt32());
        Assert.Equal("remove", result.GetProperty("frontToken").GetString());
        Assert.Equal(PageOrigin + "/", result.GetProperty("url").GetString());
        Assert.Equal(attempts, PageCounters.RefreshAttempted);
        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal(attempts, PageCounters.RefreshAttempted);
        var events = await Page.EvaluateAsync<string>(
            "() => JSON.stringify(window.eventDetails.map(e => e.action + (e.action === 'UNAUTHORISED' ? ':' + e.sessionExpiredOrRevoked : '')))");
        // The removal itself fires UNAUTHORISED{sessionExpiredOrRevoked: true}; the 401 handling then finds no local
        // session and fires UNAUTHORISED{false} instead of refreshing.
        Assert.Equal("""["SESSION_CREATED","ACCESS_TOKEN_PAYLOAD_UPDATED","REFRESH_SESSION","UNAUTHORISED:true","UNAUTHORISED:false"]""", events);
    }

    /// <summary>
    /// Our refresh endpoint cannot be made to fail with a 500 on demand, so the browser's network layer answers it
    /// (Playwright routing, as the reference suite's request interception does); the API and the retry are real.
    /// </summary>
    [Fact]
    public async Task Browser_refresh_answering_500_hands_the_500_to_the_call_and_keeps_the_session_fault_injected_by_route()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync("kept-user");
        await Page.RouteAsync("**/auth/session/refresh", static route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 500,
            ContentType = "application/json",
            Body = """{"message":"test"}""",
        }));
        await WaitForExpiryAsync(validity);

        var result = await Page.EvaluateAsync<JsonElement>("""
            async ([base]) => {
              const response = await fetch(base + "/");
              return { status: response.status, body: await response.json(), url: response.url };
            }
            """, new object[] { PageOrigin });

        Assert.Equal(500, result.GetProperty("status").GetInt32());
        Assert.Equal("test", result.GetProperty("body").GetProperty("message").GetString());
        Assert.Equal(PageOrigin + "/auth/session/refresh", result.GetProperty("url").GetString());
        Assert.Contains("sFrontToken", (await DocumentCookiesAsync()).Keys);
        Assert.Contains("sRefreshToken", (await AllCookiesAsync()).Keys);

        // The kept session still works once the refresh endpoint is back.
        await Page.UnrouteAllAsync();
        Assert.Equal("kept-user", (await FetchAsync(PageOrigin + "/")).Body);
        Assert.Equal(1, PageCounters.RefreshCalled);
    }
    /// <summary>
    /// The reference suite's "duplicate refresh cookies" case: a second <c>sRefreshToken</c> on another path makes the browser send it
    /// twice; without an older cookie domain configured the refresh answers 500 with the reference's message, and the client hands that
    /// response to <c>attemptRefreshingSession</c>'s caller.
    /// </summary>
    [Fact]
    public async Task Browser_duplicate_refresh_cookies_make_attemptRefreshingSession_throw_the_500()
    {
        await SetUpAsync();
        await InitClientAsync();
        await LoginAsync("duplicate-cookie-user");
        var refresh = (await Context.CookiesAsync([PageOrigin + "/auth/session/refresh"])).Single(c => c.Name == "sRefreshToken");
        await Context.AddCookiesAsync([new Cookie { Name = "sRefreshToken", Value = refresh.Value, Domain = refresh.Domain, Path = "/" }]);

        var result = await Page.EvaluateAsync<JsonElement>("""
            async () => {
              try {
                await supertokens.attemptRefreshingSession();
                return { threw: false };
              } catch (err) {
                return { threw: true, status: err.status, text: await err.text() };
              }
            }
            """);

        Assert.True(result.GetProperty("threw").GetBoolean());
        Assert.Equal(500, result.GetProperty("status").GetInt32());
        Assert.Contains("The request contains multiple session cookies.", result.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, PageCounters.RefreshCalled);
    }
}
