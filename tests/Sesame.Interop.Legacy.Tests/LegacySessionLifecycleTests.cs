using System.Text.Json;
using Sesame.Client;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>Login, anti-CSRF, logout and interception scope against the seed-era peer (tokens live an hour: no expiry here).</summary>
public sealed class LegacySessionLifecycleTests(LongLivedLegacyPeerFixture fixture) : IClassFixture<LongLivedLegacyPeerFixture>, IAsyncLifetime
{
    private readonly LegacyPeer _peer = fixture.Peer;

    public async ValueTask InitializeAsync() => await _peer.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Legacy_login_creates_a_session_and_calls_carry_the_kept_anti_csrf_token_and_cookies()
    {
        await using var client = LegacyClient.Create(_peer);
        Assert.False(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));

        await client.LoginAsync("lifecycle-login");

        Assert.True(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Equal([SessionEventType.SessionCreated], client.Events);
        var kept = client.Coordinator.TokenStore.Current.AntiCsrfToken;
        Assert.False(string.IsNullOrEmpty(kept));

        var (status, headersJson) = await client.GetAsync("/headers");
        Assert.Equal(200, status);
        using var seen = JsonDocument.Parse(headersJson);
        Assert.Equal(kept, seen.RootElement.GetProperty("anti-csrf").GetString());
        var cookie = seen.RootElement.GetProperty("cookie").GetString()!;
        Assert.Contains("sAccessToken=", cookie, StringComparison.Ordinal);
        Assert.Contains("sIdRefreshToken=", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("sRefreshToken=", cookie, StringComparison.Ordinal); // Path=/refresh: only for the refresh URL

        Assert.Equal((200, "success"), await client.GetAsync("/"));
        Assert.Equal((200, "lifecycle-login"), await client.GetAsync("/session"));
        Assert.Equal(2, await _peer.GetSessionCountAsync());
        Assert.Equal(0, await _peer.RefreshAttemptCountAsync());
    }

    [Fact]
    public async Task Legacy_logout_through_the_app_endpoint_ends_the_session_and_later_calls_get_440_without_refreshing()
    {
        await using var client = LegacyClient.Create(_peer);
        await client.LoginAsync("lifecycle-logout");

        using (var logout = await client.Http.PostAsync(new Uri("/logout", UriKind.Relative), null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(200, (int)logout.StatusCode);
        }

        Assert.False(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Null(client.Coordinator.TokenStore.Current.AntiCsrfToken);
        Assert.Equal([SessionEventType.SessionCreated, SessionEventType.SignOut], client.Events);

        var (status, body) = await client.GetAsync("/");
        Assert.Equal(440, status);
        Assert.Contains("\"errType\":2000", body, StringComparison.Ordinal);
        Assert.Equal(0, await _peer.RefreshAttemptCountAsync());
    }

    [Fact]
    public async Task Legacy_SignOutAsync_with_the_logout_url_revokes_the_session_on_the_peer()
    {
        await using var client = LegacyClient.Create(_peer, configure: o => o.SignOutUrl = new Uri(_peer.BaseAddress, "/logout").ToString());
        await client.LoginAsync("lifecycle-signout");

        await client.Session.SignOutAsync(TestContext.Current.CancellationToken);

        Assert.False(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Contains("logout", await _peer.EventsAsync());
        Assert.Equal(SessionEventType.SignOut, client.Events[^1]);
    }

    [Fact]
    public async Task Legacy_calls_outside_the_refresh_url_origin_pass_through_untouched()
    {
        await using var client = LegacyClient.Create(_peer);
        await client.LoginAsync("lifecycle-scope");

        // Same server, other origin (127.0.0.1 instead of localhost): no anti-csrf, no cookie, and its 440 is not acted on.
        var (status, headersJson) = await client.GetAsync(new Uri(_peer.OtherOriginAddress, "/headers").ToString());
        Assert.Equal(200, status);
        using var seen = JsonDocument.Parse(headersJson);
        Assert.False(seen.RootElement.TryGetProperty("anti-csrf", out _));
        Assert.False(seen.RootElement.TryGetProperty("cookie", out _));

        var (expiredStatus, _) = await client.GetAsync(new Uri(_peer.OtherOriginAddress, "/").ToString());
        Assert.Equal(440, expiredStatus);
        Assert.Equal(0, await _peer.RefreshAttemptCountAsync());
        Assert.True(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Equal([SessionEventType.SessionCreated], client.Events);
    }

    [Fact]
    public async Task Legacy_client_on_127_0_0_1_keeps_the_peers_Domain_localhost_cookies_as_host_only_cookies()
    {
        // docs/protocol/legacy.md#cookies-only: CookieContainer and curl drop Domain=localhost cookies received from 127.0.0.1; our jar keeps them
        // for the host that sent them, so the session works under either loopback name.
        await using var client = LegacyClient.Create(_peer, origin: _peer.OtherOriginAddress);
        await client.LoginAsync("lifecycle-ip");

        Assert.True(await client.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Equal((200, "lifecycle-ip"), await client.GetAsync("/session"));
        Assert.True(await client.Session.AttemptRefreshingSessionAsync(TestContext.Current.CancellationToken));
        Assert.Equal((200, "success"), await client.GetAsync("/"));
        Assert.Equal(1, await _peer.RefreshCountAsync());
    }
}
