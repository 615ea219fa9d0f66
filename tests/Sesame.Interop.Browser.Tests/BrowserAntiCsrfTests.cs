using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>
/// The official client in cookie mode against each of our anti-CSRF modes: its calls and refreshes pass, and a
/// request that skips the client (the <c>superTokensDoNotDoInterception</c> marker, so no <c>rid</c>/<c>anti-csrf</c>
/// header) is refused exactly when the mode requires the header.
/// </summary>
public sealed class BrowserAntiCsrfTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Browser_anti_csrf_via_token_stores_the_token_sends_it_and_rotates_it_on_refresh()
    {
        await SetUpAsync(antiCsrf: "VIA_TOKEN");
        await InitClientAsync();
        await LoginAsync();
        var firstToken = (await DocumentCookiesAsync()).GetValueOrDefault("sAntiCsrf");
        Assert.False(string.IsNullOrEmpty(firstToken));

        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"k":1}""")).Status);
        Assert.Equal(401, (await FetchAsync(PageOrigin + "/update-jwt#superTokensDoNotDoInterception", "POST", """{"k":2}""")).Status);
        Assert.Equal("success", (await FetchAsync(PageOrigin + "/check-rid")).Body);

        await ExpireAccessTokensAsync();
        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"k":3}""")).Status);
        Assert.Equal(1, PageCounters.RefreshCalled);
        var rotated = (await DocumentCookiesAsync()).GetValueOrDefault("sAntiCsrf");
        Assert.False(string.IsNullOrEmpty(rotated));
        Assert.NotEqual(firstToken, rotated);
    }

    [Fact]
    public async Task Browser_anti_csrf_none_needs_no_header_and_still_refreshes()
    {
        await SetUpAsync(antiCsrf: "NONE");
        await InitClientAsync();
        await LoginAsync();
        Assert.DoesNotContain("sAntiCsrf", (await DocumentCookiesAsync()).Keys);

        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"k":1}""")).Status);
        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt#superTokensDoNotDoInterception", "POST", """{"k":2}""")).Status);

        await ExpireAccessTokensAsync();
        Assert.Equal("browser-user", (await FetchAsync(PageOrigin + "/")).Body);
        Assert.Equal(1, PageCounters.RefreshCalled);
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
    }

    [Fact]
    public async Task Browser_anti_csrf_via_custom_header_is_satisfied_by_the_clients_rid_header()
    {
        await SetUpAsync(antiCsrf: "VIA_CUSTOM_HEADER");
        await InitClientAsync();
        await LoginAsync();
        Assert.DoesNotContain("sAntiCsrf", (await DocumentCookiesAsync()).Keys);

        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"k":1}""")).Status);
        Assert.Equal(401, (await FetchAsync(PageOrigin + "/update-jwt#superTokensDoNotDoInterception", "POST", """{"k":2}""")).Status);

        await ExpireAccessTokensAsync();
        Assert.Equal(200, (await FetchAsync(PageOrigin + "/update-jwt", "POST", """{"k":3}""")).Status);
        Assert.Equal(1, PageCounters.RefreshCalled);
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
    }
}
