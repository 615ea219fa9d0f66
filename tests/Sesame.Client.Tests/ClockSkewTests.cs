using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;

namespace Sesame.Client.Tests;

/// <summary>Clock skew (docs/protocol/refresh.md#clock-skew): a client whose clock runs an hour ahead of the server's does not refresh on every DoesSessionExist.</summary>
public sealed class ClockSkewTests
{
    [Fact]
    public async Task Client_clock_one_hour_ahead_does_session_exist_no_refresh_until_the_server_says_expired()
    {
        var clientClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clientClock)));
        await h.LoginAsync();

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await h.Session.DoesSessionExistAsync());
        }

        Assert.Equal(0, h.Server.RefreshCalledCount);
        Assert.Equal("alice", await h.Session.GetUserIdAsync());
        _ = (await h.Session.GetAccessTokenPayloadAsync()).GetProperty("sub");
        Assert.Equal(0, h.Server.RefreshCalledCount);

        // Both clocks move on past the token's expiry: now the client refreshes once.
        h.ExpireAccessToken();
        clientClock.Advance(ClientHarness.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task The_same_front_token_received_again_later_skew_is_measured_again_at_that_time_a_new_front_token_is_read_again()
    {
        // The client reads a front token's iat once and reuses it while the same token keeps arriving (a refresh storm's re-sent calls
        // all get the promoted token); the skew must still be measured against the time of each receipt (docs/protocol/refresh.md#clock-skew).
        var clientClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clientClock)));
        clientClock.SetUtcNow(h.Time.GetUtcNow());
        await h.LoginAsync();
        var frontToken = h.Store.Current.FrontToken!;
        var issuedAt = IssuedAtMilliseconds(h.Store.Current);
        Assert.Equal(clientClock.GetUtcNow().ToUnixTimeMilliseconds(), h.Coordinator.ServerNowMilliseconds); // skew under 7 s: none

        // An hour later by the client's clock the server answers with the same front token: the server's clock is now an hour behind.
        clientClock.Advance(TimeSpan.FromHours(1));
        h.Server.Program("/ping", new Sesame.Testing.Server.ProgrammedResponse { Body = "success", Headers = { ["front-token"] = frontToken } });
        Assert.Equal((200, "success"), await h.GetAsync("/ping"));
        Assert.Equal(issuedAt, h.Coordinator.ServerNowMilliseconds);

        // A new front token (the server's clock two hours on, a refresh) is read again: its iat decides the skew.
        h.Time.Advance(TimeSpan.FromHours(2));
        Assert.True(await h.Coordinator.AttemptRefreshingSessionAsync(CancellationToken.None));
        Assert.NotEqual(frontToken, h.Store.Current.FrontToken);
        Assert.Equal(IssuedAtMilliseconds(h.Store.Current), h.Coordinator.ServerNowMilliseconds);
        Assert.Equal(issuedAt + (long)TimeSpan.FromHours(2).TotalMilliseconds, IssuedAtMilliseconds(h.Store.Current), 1000d);
    }

    private static long IssuedAtMilliseconds(SessionTokens tokens) =>
        (long)(tokens.DecodedFrontToken!.Payload.GetProperty("iat").GetDouble() * 1000);
}
