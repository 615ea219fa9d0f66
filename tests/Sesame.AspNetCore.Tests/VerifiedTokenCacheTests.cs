using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Internal;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>What the verified-token cache lets in: signed tokens only, expired ones included (answered "try refresh" on every hit).</summary>
public sealed class VerifiedTokenCacheTests
{
    [Fact]
    public async Task An_expired_token_seen_first_after_expiry_is_cached_and_every_later_request_with_it_gets_try_refresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(3), time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        time.Advance(TimeSpan.FromSeconds(5));
        var tokens = server.Services.GetRequiredService<AccessTokenService>();
        Assert.False(tokens.TryCheckCached(client.AccessToken, TokenTransferMethod.Header, out _));

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(HttpMethod.Get, "/");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("try refresh token", await response.MessageAsync());
            Assert.True(tokens.TryCheckCached(client.AccessToken, TokenTransferMethod.Header, out var check));
            Assert.Equal(AccessTokenStatus.TryRefresh, check.Status);
        }
    }

    [Fact]
    public async Task A_token_with_a_bad_signature_is_never_cached()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var token = client.AccessToken!;
        var signature = token[(token.LastIndexOf('.') + 1)..];
        client.AccessToken = token[..(token.LastIndexOf('.') + 1)] + (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        var tokens = server.Services.GetRequiredService<AccessTokenService>();

        using var response = await client.SendAsync(HttpMethod.Get, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("try refresh token", await response.MessageAsync());
        Assert.False(tokens.TryCheckCached(client.AccessToken, TokenTransferMethod.Header, out _));
    }
}
