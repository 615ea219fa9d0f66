using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;

namespace Sesame.Client.Tests;

/// <summary>1c.11 clock skew: a client whose clock runs an hour ahead of the server's does not refresh on every DoesSessionExist.</summary>
public sealed class ClockSkewTests
{
    [Fact]
    public async Task ClientClockOneHourAhead_DoesSessionExist_NoRefresh_UntilTheServerSaysExpired()
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
}
