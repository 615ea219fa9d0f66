using Microsoft.Playwright;
using Sesame.Client.Blazor.Tests.Infrastructure;

namespace Sesame.Client.Blazor.Tests;

/// <summary>Two tabs of one browser share one session: one refresh for both (Web Locks), sign-out seen by both.</summary>
public sealed class BlazorTwoTabsTests(BlazorAppFixture fixture) : BlazorBrowserTest(fixture)
{
    [Fact]
    public async Task Blazor_two_tabs_calling_at_once_on_an_expired_session_refresh_exactly_once()
    {
        var first = await OpenAppAsync();
        await LogInAsync(first, "grace");
        var second = await OpenAppAsync();
        await Assertions.Expect(second.Locator("#auth-user")).ToHaveTextAsync("grace");

        Host.ExpireAccessTokens();

        // A slow refresh (real delay, as a slow network): both tabs' expired calls surely arrive while the first refresh is in flight, so
        // without a lock across tabs the second tab would refresh too.
        Host.RefreshDelay = TimeSpan.FromMilliseconds(600);
        await Task.WhenAll(first.ClickAsync("#call-parallel"), second.ClickAsync("#call-parallel"));

        await ExpectCallResultAsync(first, "20 × GET /api/me: 20 × 200");
        await ExpectCallResultAsync(second, "20 × GET /api/me: 20 × 200");
        Assert.Equal(1, Host.RefreshCount);
        Assert.Equal(0, Host.TheftCount);

        // Exactly one tab refreshed; the other re-sent its calls with the new session.
        var refreshedEvents = (await EventsAsync(first)).Count(e => e == "refreshed") + (await EventsAsync(second)).Count(e => e == "refreshed");
        Assert.Equal(1, refreshedEvents);
    }

    [Fact]
    public async Task Blazor_sign_out_in_one_tab_updates_AuthorizeView_in_the_other()
    {
        var first = await OpenAppAsync();
        await LogInAsync(first, "heidi");
        var second = await OpenAppAsync();
        await Assertions.Expect(second.Locator("#auth-user")).ToHaveTextAsync("heidi");

        await first.ClickAsync("#sign-out");
        await ExpectSignedOutAsync(first);
        await ExpectSignedOutAsync(second);
        await Assertions.Expect(second.Locator("#session-none")).ToBeVisibleAsync();

        // Logging in again in the second tab shows up in the first.
        await LogInAsync(second, "heidi2");
        await Assertions.Expect(first.Locator("#auth-user")).ToHaveTextAsync("heidi2");
    }
}
