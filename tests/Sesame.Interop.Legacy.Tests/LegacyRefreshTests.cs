using System.Text.Json;
using Sesame.Client;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>Expiry ⇒ one refresh, the call re-sent, its response returned (the peer's clock is moved past the token lifetime).</summary>
public sealed class LegacyRefreshTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_expired_access_token_is_refreshed_once_the_call_retried_and_the_new_anti_csrf_token_used()
    {
        await _peer.ResetAsync();
        await using var client = LegacyClient.Create(_peer);
        await client.LoginAsync("refresh-once");
        var loginAntiCsrf = client.Coordinator.TokenStore.Current.AntiCsrfToken;

        await _peer.ExpireAccessTokensAsync();
        Assert.Equal((200, "refresh-once"), await client.GetAsync("/session"));

        Assert.Equal(1, await _peer.RefreshCountAsync());
        Assert.Equal(["login", "TRY_REFRESH_TOKEN", "refresh"], await _peer.EventsAsync());
        var refreshedAntiCsrf = client.Coordinator.TokenStore.Current.AntiCsrfToken;
        Assert.NotNull(refreshedAntiCsrf);
        Assert.NotEqual(loginAntiCsrf, refreshedAntiCsrf);
        using (var seen = JsonDocument.Parse((await client.GetAsync("/headers")).Body))
        {
            Assert.Equal(refreshedAntiCsrf, seen.RootElement.GetProperty("anti-csrf").GetString());
        }

        // The next calls go straight through (the first one after the refresh promoted the new tokens).
        Assert.Equal((200, "success"), await client.GetAsync("/"));
        Assert.Equal((200, "success"), await client.GetAsync("/"));
        Assert.Equal(1, await _peer.RefreshAttemptCountAsync());
        Assert.Equal([SessionEventType.SessionCreated, SessionEventType.RefreshSession], client.Events);
    }

    [Fact]
    public async Task Legacy_client_with_ProactiveRefresh_on_still_refreshes_only_after_the_440_as_before()
    {
        // The legacy protocol tells the client no expiry (no front token): the option has nothing to act on (docs/protocol/refresh.md#proactive-refresh).
        await _peer.ResetAsync();
        await using var client = LegacyClient.Create(_peer, configure: o => o.ProactiveRefresh = true);
        await client.LoginAsync("proactive-legacy");

        await _peer.ExpireAccessTokensAsync();
        Assert.Equal((200, "proactive-legacy"), await client.GetAsync("/session"));

        Assert.Equal(1, await _peer.RefreshCountAsync());
        Assert.Equal(["login", "TRY_REFRESH_TOKEN", "refresh"], await _peer.EventsAsync());
        Assert.Equal([SessionEventType.SessionCreated, SessionEventType.RefreshSession], client.Events);
    }
}
