using System.Collections.Concurrent;
using Microsoft.Playwright;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>
/// <c>tokenTransferMethod: "header"</c>: our server answers <c>st-auth-mode: header</c> with <c>st-access-token</c> /
/// <c>st-refresh-token</c> headers, the client keeps them and sends <c>Authorization: Bearer</c> (docs/protocol/wire-format.md#token-transfer-methods).
/// </summary>
public sealed class BrowserHeaderModeTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Browser_header_mode_sends_bearer_tokens_refreshes_with_the_refresh_token_and_signs_out()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        var requests = new ConcurrentQueue<IRequest>();
        Page.Request += (_, request) => requests.Enqueue(request);
        await InitClientAsync(extraOptions: """{ tokenTransferMethod: "header" }""");

        Assert.True(await Page.EvaluateAsync<bool>("async () => (await supertokens.getAccessToken()) === undefined"));
        await LoginAsync("header-user");

        var all = await AllCookiesAsync();
        Assert.DoesNotContain("sAccessToken", all.Keys);
        Assert.DoesNotContain("sRefreshToken", all.Keys);
        var stored = await DocumentCookiesAsync();
        var accessToken = stored["st-access-token"];
        var refreshToken = stored["st-refresh-token"];
        Assert.Equal(3, accessToken.Split('.').Length);
        Assert.Equal(accessToken, await Page.EvaluateAsync<string>("() => supertokens.getAccessToken()"));
        Assert.DoesNotContain("sAntiCsrf", stored.Keys); // anti-CSRF is a cookie-mode matter

        requests.Clear();
        Assert.Equal("header-user", (await FetchAsync(PageOrigin + "/")).Body);
        var apiCall = requests.Single(r => r.Url == PageOrigin + "/");
        var apiHeaders = await apiCall.AllHeadersAsync();
        Assert.Equal("Bearer " + accessToken, apiHeaders["authorization"]);
        Assert.Equal("header", apiHeaders["st-auth-mode"]);
        Assert.Equal("anti-csrf", apiHeaders["rid"]);

        await WaitForExpiryAsync(validity);
        requests.Clear();
        var refreshedToken = await Page.EvaluateAsync<string>("() => supertokens.getAccessToken()");
        Assert.NotEqual(accessToken, refreshedToken);
        Assert.Equal(1, PageCounters.RefreshCalled);
        var refreshCall = requests.Single(r => r.Url == PageOrigin + "/auth/session/refresh");
        var refreshHeaders = await refreshCall.AllHeadersAsync();
        Assert.Equal("Bearer " + refreshToken, refreshHeaders["authorization"]);
        Assert.Equal("session", refreshHeaders["rid"]);
        Assert.NotEqual(refreshToken, (await DocumentCookiesAsync())["st-refresh-token"]);
        Assert.Equal("header-user", (await FetchAsync(PageOrigin + "/")).Body);

        await Page.EvaluateAsync("() => supertokens.signOut()");
        var afterSignOut = await DocumentCookiesAsync();
        Assert.DoesNotContain("st-access-token", afterSignOut.Keys);
        Assert.DoesNotContain("st-refresh-token", afterSignOut.Keys);
        Assert.DoesNotContain("sFrontToken", afterSignOut.Keys);
        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.True(await Page.EvaluateAsync<bool>("async () => (await supertokens.getAccessToken()) === undefined"));
    }
}
