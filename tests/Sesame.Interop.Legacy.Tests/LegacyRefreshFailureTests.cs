using Sesame.Client;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>
/// What the caller gets when the refresh fails (docs/protocol/legacy.md#refresh, the seeds' <c>err.status === 440</c>): a session the peer ended
/// ⇒ the call's own 440 and no session; a failing refresh endpoint ⇒ the refresh's response, session kept.
/// </summary>
public sealed class LegacyRefreshFailureTests(ShortLivedLegacyPeerFixture fixture) : IClassFixture<ShortLivedLegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_refresh_failures_hand_the_caller_the_440_or_the_refresh_error_as_the_seeds_describe()
    {
        await _peer.ResetAsync();
        await using var revoked = LegacyClient.Create(_peer);
        await using var unlucky = LegacyClient.Create(_peer);
        await revoked.LoginAsync("failure-revoked");
        await unlucky.LoginAsync("failure-500");
        using (var revokeAll = await revoked.Http.PostAsync(new Uri("/revokeAll", UriKind.Relative), null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(200, (int)revokeAll.StatusCode);
        }

        // A real 5xx from the refresh endpoint (the package cannot fail on demand: the peer is told to answer 500 once).
        await _peer.ProgramRefreshAsync(500, times: 1, body: "refresh broken");
        await _peer.WaitForAccessTokenExpiryAsync();

        // docs/protocol/legacy.md#refresh: a refresh that neither succeeds nor ends the session ⇒ the refresh's response reaches the caller; the session is kept.
        using (var failed = await unlucky.Http.GetAsync(new Uri("/session", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(500, (int)failed.StatusCode);
            Assert.Equal("refresh broken", await failed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(_peer.RefreshUrl, failed.RequestMessage?.RequestUri);
        }

        Assert.True(await unlucky.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));

        // docs/protocol/legacy.md#refresh: the peer ended the session (revokeAll) ⇒ refresh answers 440 + clearing cookies ⇒ the caller gets its own call's 440.
        using (var expired = await revoked.Http.GetAsync(new Uri("/session", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(440, (int)expired.StatusCode);
            Assert.Equal(new Uri(_peer.BaseAddress, "/session"), expired.RequestMessage?.RequestUri);
            Assert.Contains("access token missing in cookies", await expired.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.False(await revoked.Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
        Assert.Null(revoked.Coordinator.TokenStore.Current.AntiCsrfToken);
        Assert.Equal([SessionEventType.SessionCreated, SessionEventType.Unauthorised], revoked.Events);
        var attemptsAfterEnd = await _peer.RefreshAttemptCountAsync();
        Assert.Equal(2, attemptsAfterEnd);

        // No session left: the next 440 is handed over without another refresh.
        Assert.Equal(440, (await revoked.GetAsync("/session")).Status);
        Assert.Equal(attemptsAfterEnd, await _peer.RefreshAttemptCountAsync());

        // The kept session refreshes normally once the endpoint works again.
        Assert.Equal((200, "failure-500"), await unlucky.GetAsync("/session"));
        Assert.Equal(1, await _peer.RefreshCountAsync());
        Assert.Equal(0, await _peer.TheftCountAsync());
    }
}
