using System.Collections.Concurrent;
using Microsoft.Playwright;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>
/// Page on one port, API on the other (the reference's <c>localhost:8080</c> → <c>localhost:8082</c>): the client
/// adds credentials, our CORS answers allow the origin, the SDK headers and credentials, and expose the token headers
/// (as in the reference suite's cross-domain cases).
/// </summary>
public sealed class BrowserCrossOriginTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData("cookie")]
    [InlineData("header")]
    public async Task Browser_cross_origin_api_keeps_the_session_through_a_refresh(string tokenTransferMethod)
    {
        const int validity = 3;
        await SetUpAsync(validity);
        var responses = new ConcurrentQueue<IResponse>();
        Page.Response += (_, response) => responses.Enqueue(response);
        await InitClientAsync(CrossOrigin, $$"""{ tokenTransferMethod: "{{tokenTransferMethod}}" }""");

        Assert.Equal("cross-user", await LoginAsync("cross-user", CrossOrigin));
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));

        // Chromium does not report CORS preflights to Playwright; the login above passing proves one was granted.
        // Its answer, as the browser asked for it:
        using var preflightRequest = new HttpRequestMessage(HttpMethod.Options, CrossOrigin + "/login");
        preflightRequest.Headers.Add("Origin", PageOrigin);
        preflightRequest.Headers.Add("Access-Control-Request-Method", "POST");
        preflightRequest.Headers.Add("Access-Control-Request-Headers", "content-type,rid,st-auth-mode,fdi-version,anti-csrf,authorization");
        using var preflight = await Http.SendAsync(preflightRequest, TestContext.Current.CancellationToken);
        Assert.Equal(PageOrigin, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", preflight.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        var allowed = preflight.Headers.GetValues("Access-Control-Allow-Headers").SelectMany(static v => v.Split(',', StringSplitOptions.TrimEntries)).ToList();
        Assert.Contains("rid", allowed);
        Assert.Contains("st-auth-mode", allowed);
        Assert.Contains("content-type", allowed);
        Assert.Contains("anti-csrf", allowed);
        Assert.Contains("authorization", allowed);
        var login = responses.First(r => r.Request.Method == "POST" && r.Url == CrossOrigin + "/login");
        var loginHeaders = await login.AllHeadersAsync();
        Assert.Equal(PageOrigin, loginHeaders["access-control-allow-origin"]);
        Assert.Equal("true", loginHeaders["access-control-allow-credentials"]);
        Assert.Contains("front-token", loginHeaders["access-control-expose-headers"], StringComparison.Ordinal);
        if (tokenTransferMethod == "header")
        {
            Assert.Contains("st-access-token", loginHeaders["access-control-expose-headers"], StringComparison.Ordinal);
        }

        Assert.Equal("cross-user", (await FetchAsync(CrossOrigin + "/")).Body);
        await WaitForExpiryAsync(validity);
        Assert.Equal("cross-user", (await FetchAsync(CrossOrigin + "/")).Body);
        Assert.Equal(1, CrossCounters.RefreshCalled);
        Assert.Equal(0, PageCounters.RefreshCalled);
        Assert.Equal(2, CrossCounters.GetSessionCalled);
        Assert.Equal(1, await Page.EvaluateAsync<int>("(base) => getNumberOfTimesRefreshCalled(base)", CrossOrigin));

        // Same app behind both ports: the page's own origin sees the session the other port created.
        Assert.Equal("cross-user", (await FetchAsync(PageOrigin + "/")).Body);

        await Page.EvaluateAsync("() => supertokens.signOut()");
        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
    }

    [Fact]
    public async Task Browser_cross_origin_requests_from_another_origin_get_no_cors_grant()
    {
        await SetUpAsync();
        // The second port's page is not the allowed origin: the browser must block reading the first port's answers.
        await Page.GotoAsync(CrossOrigin + "/index.html");
        var outcome = await Page.EvaluateAsync<string>("""
            async ([base]) => {
              try { await fetch(base + "/ping", { credentials: "include" }); return "read"; }
              catch (e) { return "blocked"; }
            }
            """, new object[] { PageOrigin });
        Assert.Equal("blocked", outcome);
    }
}
