using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>Single-flight refresh in the official client against our refresh endpoint (docs/protocol/refresh.md#single-refresh).</summary>
public sealed class BrowserConcurrencyTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Browser_100_parallel_calls_on_an_expired_token_cost_exactly_one_refresh()
    {
        // Long enough that the refreshed token outlives the burst (100 calls share 6 connections) even on a loaded
        // 2-core machine; with 2 s a slow burst outlived the new token and legitimately needed a second refresh.
        const int validity = 8;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync("parallel-user");
        await WaitForExpiryAsync(validity);
        Assert.Equal(0, PageCounters.RefreshCalled);

        var bodies = await Page.EvaluateAsync<string[]>("""
            async ([base]) => {
              const calls = Array.from({ length: 100 }, () => fetch(base + "/").then(r => r.text()));
              return await Promise.all(calls);
            }
            """, new object[] { PageOrigin });

        Assert.Equal(100, bodies.Length);
        Assert.All(bodies, static body => Assert.Equal("parallel-user", body));
        Assert.Equal(1, PageCounters.RefreshCalled);
        Assert.Equal(100, PageCounters.GetSessionCalled);
    }
}
