using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Storage;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class RotationAndTheftTests
{
    private static async Task<(SesameTestServer Server, FakeTimeProvider Time)> StartAsync()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(10), time);
        return (server, time);
    }

    private static async Task<string> StoredHash2Async(SesameTestServer server, string accessToken)
    {
        var store = (ISessionStore)server.Services.GetService(typeof(ISessionStore))!;
        var row = await store.FindAsync((string)Jwt.Payload(accessToken)["sessionHandle"]!, CancellationToken.None);
        return row!.RefreshTokenHash2;
    }

    [Fact]
    public async Task Refresh_with_the_current_token_writes_nothing_and_returns_a_child_carrying_the_parent_hash()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var rt0 = client.RefreshToken!;
        var before = await StoredHash2Async(server, client.AccessToken!);

        await client.RefreshAsync();
        Assert.Equal(before, await StoredHash2Async(server, client.AccessToken!));
        var payload = Jwt.Payload(client.AccessToken!);
        Assert.Equal(Sha(rt0), (string?)payload["parentRefreshTokenHash1"]);
        Assert.Equal(Sha(client.RefreshToken!), (string?)payload["refreshTokenHash1"]);
    }

    [Fact]
    public async Task Lost_refresh_response_then_retry_with_the_old_refresh_token_still_works()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var rt0 = client.RefreshToken!;

        var lost = await client.RefreshAsync();            // the client never sees this answer
        Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        client.RefreshToken = rt0;
        var retry = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Equal(0, server.TheftDetectedCount);
    }

    [Fact]
    public async Task Refresh_with_a_child_promotes_it_and_then_the_parent_is_theft_and_revokes_the_session()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var rt0 = client.RefreshToken!;
        await client.RefreshAsync();                        // child rt1, not yet promoted
        await client.RefreshAsync();                        // uses rt1: promotes it, returns rt2
        // h2 = H(H(rt1)) = H(parentRefreshTokenHash1 of the newest access token).
        Assert.Equal(Sha(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]!.GetValue<string>()),
            await StoredHash2Async(server, client.AccessToken!));

        var stolen = await client.RefreshAsync(rt0);
        Assert.Equal(HttpStatusCode.Unauthorized, stolen.StatusCode);
        Assert.Equal("token theft detected", await stolen.MessageAsync());
        Assert.Equal("remove", stolen.Header("front-token"));
        Assert.Equal(1, server.TheftDetectedCount);

        var sessions = (ISessionService)server.Services.GetService(typeof(ISessionService))!;
        Assert.Empty(await sessions.ListSessionsAsync("u1"));
        // The legitimate holder is logged out too: the session is revoked.
        var holder = await client.RefreshAsync();
        Assert.Equal("unauthorised", await holder.MessageAsync());
    }

    [Fact]
    public async Task First_use_of_a_refreshed_access_token_promotes_the_child_and_sends_an_access_token_without_parent()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var rt0 = client.RefreshToken!;
        await client.RefreshAsync();
        var rt1 = client.RefreshToken!;
        Assert.NotNull(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]);

        var call = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal("u1", await call.BodyAsync());
        Assert.NotNull(call.Header("st-access-token"));
        Assert.NotNull(call.Header("front-token"));
        Assert.Null(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]);
        Assert.Equal(Sha(Sha(rt1)), await StoredHash2Async(server, client.AccessToken!));

        // Later calls carry no parent hash, so no new token (and no database step).
        var later = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Null(later.Header("st-access-token"));

        // rt0 is now superseded and used: theft.
        Assert.Equal("token theft detected", await (await client.RefreshAsync(rt0)).MessageAsync());
    }

    [Fact]
    public async Task Sibling_reused_after_the_other_sibling_was_promoted_is_theft()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var rt0 = client.RefreshToken!;
        await client.RefreshAsync();
        var siblingA = client.RefreshToken!;
        await client.RefreshAsync(rt0);
        var siblingB = client.RefreshToken!;

        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync(siblingB)).StatusCode); // promotes B
        Assert.Equal("token theft detected", await (await client.RefreshAsync(siblingA)).MessageAsync());
    }

    [Fact]
    public async Task Concurrent_refreshes_with_the_same_child_token_all_succeed_without_theft()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        await client.RefreshAsync();
        var child = client.RefreshToken!;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var c = new HeaderSession(server) { RefreshToken = child };
            return (await c.RefreshAsync()).StatusCode;
        }));
        Assert.All(results, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(0, server.TheftDetectedCount);
    }

    [Fact]
    public async Task Revoked_session_access_token_is_refused_at_once_on_this_instance_and_cannot_refresh()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var refreshToken = client.RefreshToken;
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        var sessions = (ISessionService)server.Services.GetService(typeof(ISessionService))!;
        Assert.True(await sessions.RevokeSessionAsync((string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!));

        // Verification is stateless, but this instance remembers the sessions it ended (docs/security.md).
        var call = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, call.StatusCode);
        Assert.Equal("unauthorised", await call.MessageAsync());
        Assert.Equal("remove", call.Header("front-token"));
        var refresh = await client.RefreshAsync(refreshToken);
        Assert.Equal("unauthorised", await refresh.MessageAsync());
        Assert.Equal("remove", refresh.Header("front-token"));
    }

    [Fact]
    public async Task Refreshed_access_token_of_a_revoked_session_is_unauthorised_and_cleared_on_first_use()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        await client.RefreshAsync();
        var sessions = (ISessionService)server.Services.GetService(typeof(ISessionService))!;
        await sessions.RevokeAllSessionsForUserAsync("u1");

        var call = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, call.StatusCode);
        Assert.Equal("unauthorised", await call.MessageAsync());
        Assert.Equal("remove", call.Header("front-token"));
    }

    [Fact]
    public async Task Expired_session_cannot_refresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.AccessTokenLifetime = TimeSpan.FromSeconds(10);
            o.RefreshTokenLifetime = TimeSpan.FromMinutes(1);
        }, time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("unauthorised", await (await client.RefreshAsync()).MessageAsync());
    }

    [Fact]
    public async Task Garbage_and_forged_refresh_tokens_are_unauthorised_never_500()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var real = client.RefreshToken!;
        var parts = real.Split('.');
        var forgedBody = Jwt.Encode(new System.Text.Json.Nodes.JsonObject { ["sessionHandle"] = "x", ["nonce"] = "y" });
        foreach (var token in new[] { "asdf", "a.b", "a.b.c", parts[0] + "." + new string('A', 43), forgedBody + "." + parts[1], real + "x", new string('x', 20_000), "%%%.%%%" })
        {
            var response = await client.RefreshAsync(token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthorised", await response.MessageAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync(real)).StatusCode);
    }

    private static string Sha(string value) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
}
