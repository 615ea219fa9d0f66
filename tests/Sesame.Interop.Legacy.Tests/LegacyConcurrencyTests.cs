using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>Single flight: many calls on one expired session cost one refresh on the real peer.</summary>
public sealed class LegacyConcurrencyTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_hundred_concurrent_calls_on_an_expired_session_cause_exactly_one_refresh()
    {
        await _peer.ResetAsync();
        await using var client = LegacyClient.Create(_peer);
        await client.LoginAsync("concurrent-100");
        await _peer.ExpireAccessTokensAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => client.GetAsync("/"))));

        Assert.All(results, r => Assert.Equal((200, "success"), r));
        Assert.Equal(1, await _peer.RefreshCountAsync());
        Assert.Equal(1, await _peer.RefreshAttemptCountAsync());
        Assert.Equal(0, await _peer.TheftCountAsync());
        Assert.Equal(100, await _peer.GetSessionCountAsync());
    }
}
