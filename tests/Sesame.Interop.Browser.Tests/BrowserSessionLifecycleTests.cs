using System.Text.Json;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>The official client in cookie mode (its default), same origin: login, the read APIs, expiry, sign-out.</summary>
public sealed class BrowserSessionLifecycleTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Browser_conformance_page_provides_the_reference_globals_and_the_client_bundle()
    {
        await SetUpAsync();

        var globals = await Page.EvaluateAsync<string[]>("""
            () => [
              typeof axios.create, typeof AxiosMockAdapter, typeof window.assert, typeof assert.ok, typeof assert.equal,
              typeof assert.strictEqual, typeof assert.deepEqual, typeof assert.notStrictEqual, typeof assert.deepStrictEqual,
              typeof assert.notDeepEqual, typeof assert.notEqual, typeof assert.throws, typeof assert.doesNotThrow,
              typeof assert.rejects, typeof assert.doesNotReject,
              typeof getNumberOfTimesRefreshCalled, typeof getNumberOfTimesRefreshAttempted, typeof getNumberOfTimesGetSessionCalled,
              typeof assertEqual, typeof assertNotEqual, typeof delay, typeof loadAngular, typeof deleteAllCookies,
              typeof supertokens.init, typeof supertokens.doesSessionExist,
            ]
            """);
        Assert.All(globals, static type => Assert.Equal("function", type));
        Assert.Equal("threw", await Page.EvaluateAsync<string>("() => { try { assert.deepEqual({a: 1}, {a: 2}); return 'passed'; } catch { return 'threw'; } }"));
        Assert.Equal("passed", await Page.EvaluateAsync<string>("() => { assert.deepEqual({a: [1]}, {a: [1]}); assertEqual(1, 1); return 'passed'; }"));
        Assert.Equal("success", await Page.EvaluateAsync<string>("async () => (await axios.get('/ping')).data"));
        Assert.Equal("rejected as expected", await Page.EvaluateAsync<string>("""
            async () => {
              await assert.rejects(async () => { throw new TypeError("boom"); }, TypeError);
              assert.throws(() => { throw new Error("bad thing"); }, /bad/);
              try { await assert.rejects(Promise.resolve(1)); return "no assertion error"; }
              catch (e) { return e.name === "AssertionError" ? "rejected as expected" : "wrong error " + e; }
            }
            """));
    }

    [Fact]
    public async Task Browser_login_creates_a_session_that_the_read_apis_report()
    {
        await SetUpAsync();
        await InitClientAsync();

        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal("browser-user", await LoginAsync("browser-user"));

        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal("browser-user", await Page.EvaluateAsync<string>("() => supertokens.getUserId()"));
        var payload = await Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        Assert.Equal("browser-user", payload.GetProperty("sub").GetString());
        Assert.True(payload.TryGetProperty("sessionHandle", out _));
        // Cookie mode: the access token is HttpOnly, so the client has none to give (docs/protocol/refresh.md#session-operations).
        Assert.True(await Page.EvaluateAsync<bool>("async () => (await supertokens.getAccessToken()) === undefined"));
        Assert.Equal("browser-user", (await FetchAsync(PageOrigin + "/")).Body);
        Assert.Equal([ "SESSION_CREATED" ], await EventsAsync());
        Assert.Equal(0, PageCounters.RefreshCalled);
        Assert.Equal(1, PageCounters.GetSessionCalled);

        var cookies = await AllCookiesAsync();
        Assert.True(cookies["sAccessToken"].HttpOnly);
        Assert.True(cookies["sRefreshToken"].HttpOnly);
        Assert.Equal("/auth/session/refresh", cookies["sRefreshToken"].Path);
        Assert.Contains("sFrontToken", (await DocumentCookiesAsync()).Keys);
    }

    [Fact]
    public async Task Browser_expired_access_token_costs_one_refresh_and_the_call_succeeds()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync();
        var attemptsAfterLogin = PageCounters.RefreshAttempted; // the client probes refresh once before login (no local state)
        await WaitForExpiryAsync(validity);
        Assert.Equal(0, PageCounters.RefreshCalled);

        var (status, body) = await FetchAsync(PageOrigin + "/");

        Assert.Equal(200, status);
        Assert.Equal("browser-user", body);
        Assert.Equal(1, PageCounters.RefreshCalled);
        Assert.Equal(attemptsAfterLogin + 1, PageCounters.RefreshAttempted);
        Assert.Equal(1, PageCounters.GetSessionCalled); // the 401 before the refresh is not counted
        // The page's own helpers read the same per-port counters.
        Assert.Equal(1, await Page.EvaluateAsync<int>("() => getNumberOfTimesRefreshCalled()"));
        Assert.Equal([ "SESSION_CREATED", "REFRESH_SESSION" ], (await EventsAsync()).Where(static e => e != "ACCESS_TOKEN_PAYLOAD_UPDATED"));
    }

    [Fact]
    public async Task Browser_attemptRefreshingSession_and_doesSessionExist_refresh_an_expired_session_once()
    {
        const int validity = 3;
        await SetUpAsync(validity);
        await InitClientAsync();
        await LoginAsync();
        var firstPayload = await Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        await WaitForExpiryAsync(validity);

        // doesSessionExist sees the front token's expiry and refreshes (docs/protocol/refresh.md#session-operations).
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        Assert.Equal(1, PageCounters.RefreshCalled);

        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.attemptRefreshingSession()"));
        Assert.Equal(2, PageCounters.RefreshCalled);
        Assert.Equal("browser-user", (await FetchAsync(PageOrigin + "/")).Body);
        Assert.Equal(2, PageCounters.RefreshCalled);

        var refreshedPayload = await Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        Assert.True(refreshedPayload.GetProperty("exp").GetInt64() > firstPayload.GetProperty("exp").GetInt64());
        Assert.Equal(firstPayload.GetProperty("sessionHandle").GetString(), refreshedPayload.GetProperty("sessionHandle").GetString());
    }

    [Fact]
    public async Task Browser_signOut_ends_the_session_and_clears_cookies_and_tokens()
    {
        await SetUpAsync();
        await InitClientAsync();
        await LoginAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));

        await Page.EvaluateAsync("() => supertokens.signOut()");

        Assert.False(await Page.EvaluateAsync<bool>("() => supertokens.doesSessionExist()"));
        var visible = await DocumentCookiesAsync();
        Assert.DoesNotContain("sFrontToken", visible.Keys);
        Assert.DoesNotContain("sAntiCsrf", visible.Keys);
        Assert.DoesNotContain("st-access-token", visible.Keys);
        Assert.DoesNotContain("st-refresh-token", visible.Keys);
        var all = await AllCookiesAsync();
        Assert.DoesNotContain("sAccessToken", all.Keys);
        Assert.DoesNotContain("sRefreshToken", all.Keys);
        Assert.Equal("SIGN_OUT", (await EventsAsync())[^1]);
        Assert.Equal(0, PageCounters.RefreshCalled);

        // The session is revoked on the server: an API that needs it answers 401 without a refresh attempt.
        var attempts = PageCounters.RefreshAttempted;
        var (status, _) = await FetchAsync(PageOrigin + "/");
        Assert.Equal(401, status);
        Assert.Equal(attempts, PageCounters.RefreshAttempted);
        Assert.Equal("No session exists", await Page.EvaluateAsync<string>("() => supertokens.getUserId().then(() => 'no error', e => e.message)"));
    }
}
