using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class SessionServiceTests
{
    private static ISessionService Sessions(SesameTestServer server) => (ISessionService)server.Services.GetService(typeof(ISessionService))!;

    [Fact]
    public async Task List_returns_a_users_live_sessions_and_revoke_all_removes_them()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var a = new HeaderSession(server);
        using var b = new HeaderSession(server);
        using var other = new HeaderSession(server);
        await a.LoginAsync("alice", new JsonObject { ["device"] = "phone" });
        await b.LoginAsync("alice");
        await other.LoginAsync("bob");

        var listed = await Sessions(server).ListSessionsAsync("alice");
        Assert.Equal(2, listed.Count);
        Assert.All(listed, s => Assert.Equal("alice", s.UserId));
        Assert.Contains(listed, s => (string?)s.AccessTokenPayload["device"] == "phone");

        var revoked = await Sessions(server).RevokeAllSessionsForUserAsync("alice");
        Assert.Equal(2, revoked.Count);
        Assert.Empty(await Sessions(server).ListSessionsAsync("alice"));
        Assert.Single(await Sessions(server).ListSessionsAsync("bob"));
        Assert.Equal("unauthorised", await (await a.RefreshAsync()).MessageAsync());
        Assert.Equal(HttpStatusCode.OK, (await other.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Revoke_all_endpoint_revokes_the_callers_sessions()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var a = new HeaderSession(server);
        await a.LoginAsync("alice");
        Assert.Equal("success", await (await a.SendAsync(HttpMethod.Post, "/revokeAll")).BodyAsync());
        Assert.Empty(await Sessions(server).ListSessionsAsync("alice"));
    }

    [Fact]
    public async Task Update_payload_in_a_request_merges_deletes_with_null_and_resends_the_token_with_the_same_expiry()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1", new JsonObject { ["keep"] = 1, ["drop"] = 2 });
        var before = Jwt.Payload(client.AccessToken!);

        var response = await client.SendAsync(HttpMethod.Post, "/update-jwt",
            HeaderSession.Json(new JsonObject { ["drop"] = null, ["added"] = "łukasz 馬 / 马", ["sub"] = "evil" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Header("front-token"));

        var after = Jwt.Payload(client.AccessToken!);
        Assert.Equal(1, (int)after["keep"]!);
        Assert.False(after.ContainsKey("drop"));
        Assert.Equal("łukasz 馬 / 马", (string?)after["added"]);
        Assert.Equal("u1", (string?)after["sub"]);
        Assert.Equal((long)before["exp"]!, (long)after["exp"]!);
        Assert.Equal((string?)before["refreshTokenHash1"], (string?)after["refreshTokenHash1"]);
        Assert.True(JsonNode.DeepEquals(after, Jwt.FrontToken(client.FrontToken!)["up"]));

        // The merged payload is stored: it survives a refresh.
        await client.RefreshAsync();
        Assert.Equal("łukasz 馬 / 马", (string?)Jwt.Payload(client.AccessToken!)["added"]);
        var get = JsonNode.Parse(await (await client.SendAsync(HttpMethod.Get, "/update-jwt")).BodyAsync())!;
        Assert.Equal(1, (int)get["keep"]!);
    }

    [Fact]
    public async Task Update_payload_by_handle_reaches_the_client_only_after_the_next_refresh()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var handle = (string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!;

        Assert.True(await Sessions(server).UpdateAccessTokenPayloadAsync(handle, new JsonObject { ["plan"] = "pro" }));
        Assert.False(Jwt.Payload(client.AccessToken!).ContainsKey("plan"));
        await client.RefreshAsync();
        Assert.Equal("pro", (string?)Jwt.Payload(client.AccessToken!)["plan"]);
        Assert.Equal("pro", (string?)(await Sessions(server).GetSessionInfoAsync(handle))!.AccessTokenPayload["plan"]);
        Assert.False(await Sessions(server).UpdateAccessTokenPayloadAsync("no-such-session", new JsonObject { ["x"] = 1 }));
    }

    [Fact]
    public async Task Update_payload_of_a_revoked_session_in_a_request_is_unauthorised_and_clears()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        await Sessions(server).RevokeAllSessionsForUserAsync("u1");

        var response = await client.SendAsync(HttpMethod.Post, "/update-jwt", HeaderSession.Json(new JsonObject { ["a"] = 1 }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("remove", response.Header("front-token"));
    }

    [Fact]
    public async Task Create_with_any_reserved_claim_throws_a_clear_argument_exception()
    {
        await using var server = await SesameTestServer.StartAsync();
        foreach (var claim in new[] { "sub", "exp", "iat", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken", "tId", "rsub" })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() =>
                Sessions(server).CreateSessionAsync(new DefaultHttpContext(), "u1", new JsonObject { [claim] = "x" }));
            Assert.Contains($"reserved claim '{claim}'", error.Message);
        }

        Assert.Empty(await Sessions(server).ListSessionsAsync("u1"));
    }

    [Fact]
    public async Task Custom_iss_is_overridden_by_the_server()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.ApiDomain = "http://api.test");
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1", new JsonObject { ["iss"] = "someone-else" });
        Assert.Equal("http://api.test/auth", (string?)Jwt.Payload(client.AccessToken!)["iss"]);
    }

    [Fact]
    public async Task Get_session_info_is_null_for_expired_sessions()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.RefreshTokenLifetime = TimeSpan.FromHours(1), time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var handle = (string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!;
        Assert.NotNull(await Sessions(server).GetSessionInfoAsync(handle));
        time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await Sessions(server).GetSessionInfoAsync(handle));
        Assert.Empty(await Sessions(server).ListSessionsAsync("u1"));
    }

    [Fact]
    public async Task Echo_returns_the_exact_request_bytes_and_content_type()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var bytes = new byte[] { 0, 1, 2, 255, 254 };
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/x-test");
        var response = await client.SendAsync(HttpMethod.Post, "/echo", content);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/x-test", response.Content.Headers.ContentType!.MediaType);
    }
}

public sealed class ExpiredSessionCleanupTests
{
    [Fact]
    public async Task Expired_sessions_are_deleted_from_the_store_by_the_hourly_clean_up()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.RefreshTokenLifetime = TimeSpan.FromMinutes(30), time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var handle = (string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!;
        var store = (Sesame.AspNetCore.Storage.ISessionStore)server.Services.GetService(typeof(Sesame.AspNetCore.Storage.ISessionStore))!;

        time.Advance(TimeSpan.FromHours(1));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await store.FindAsync(handle, CancellationToken.None) is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Null(await store.FindAsync(handle, CancellationToken.None));
    }
}
