using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>Server-only session data, per-session metadata (opt-in client details) and the per-user session cap, on a real server.</summary>
public sealed class SessionDataAndMetadataTests
{
    private static ISessionService Sessions(SesameTestServer server) => (ISessionService)server.Services.GetService(typeof(ISessionService))!;

    private static string HandleOf(HeaderSession client) => (string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!;

    [Fact]
    public async Task Session_data_merges_round_trips_and_never_appears_in_the_access_token_or_front_token()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("alice", new JsonObject { ["role"] = "user" });
        var handle = HandleOf(client);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), await Sessions(server).GetSessionDataAsync(handle)));

        Assert.True(await Sessions(server).UpdateSessionDataAsync(handle, new JsonObject { ["secret"] = "s3cret-value", ["drop"] = 1 }));
        Assert.True(await Sessions(server).UpdateSessionDataAsync(handle, new JsonObject { ["drop"] = null, ["n"] = 2 }));

        Assert.True(JsonNode.DeepEquals(new JsonObject { ["secret"] = "s3cret-value", ["n"] = 2 }, await Sessions(server).GetSessionDataAsync(handle)));
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/")).StatusCode);
        Assert.DoesNotContain("s3cret", Jwt.Payload(client.AccessToken!).ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", Jwt.FrontToken(client.FrontToken!).ToJsonString(), StringComparison.Ordinal);
        Assert.False(await Sessions(server).UpdateSessionDataAsync("no-such-session", new JsonObject { ["x"] = 1 }));
        Assert.Null(await Sessions(server).GetSessionDataAsync("no-such-session"));
    }

    [Fact]
    public async Task Concurrent_session_data_updates_of_different_keys_all_survive()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("alice");
        var handle = HandleOf(client);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Sessions(server).UpdateSessionDataAsync(handle, new JsonObject { ["k" + i] = i }), TestContext.Current.CancellationToken)));

        var data = (await Sessions(server).GetSessionDataAsync(handle))!;
        Assert.Equal(20, data.Count);
    }

    [Fact]
    public async Task Metadata_records_creation_and_refresh_times_and_client_details_when_opted_in_with_the_promotion_write()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var server = await SesameTestServer.StartAsync(options => options.RecordClientInfo = true, time);
        using var client = new HeaderSession(server);
        var longAgent = "TestAgent/1.0 " + new string('x', 400);
        client.Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", longAgent);
        await client.LoginAsync("alice");
        var created = time.GetUtcNow();

        var info = (await Sessions(server).GetSessionInfoAsync(HandleOf(client)))!;
        Assert.Equal(created, info.CreatedAt);
        Assert.Null(info.LastRefreshedAt);
        Assert.Equal(longAgent[..256], info.UserAgent);
        Assert.Equal("127.0.0.1", info.IpAddress);

        // The refresh writes nothing (the presented token is the current one); the metadata rides on the write that promotes the new
        // token, here its first use, so recording it costs no write of its own.
        time.Advance(TimeSpan.FromMinutes(3));
        SetUserAgent(client, "OtherAgent/2.0");
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Null((await Sessions(server).GetSessionInfoAsync(HandleOf(client)))!.LastRefreshedAt);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/")).StatusCode);

        var listed = Assert.Single(await Sessions(server).ListSessionsAsync("alice"));
        Assert.Equal(created, listed.CreatedAt);
        Assert.Equal(created.AddMinutes(3), listed.LastRefreshedAt);
        Assert.Equal("OtherAgent/2.0", listed.UserAgent);
        Assert.Equal("127.0.0.1", listed.IpAddress);

        // Two refreshes without a call between: the second presents an unpromoted child, so the refresh itself promotes and records.
        time.Advance(TimeSpan.FromMinutes(2));
        SetUserAgent(client, "ThirdAgent/3.0");
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        var refreshed = (await Sessions(server).GetSessionInfoAsync(HandleOf(client)))!;
        Assert.Equal(created.AddMinutes(5), refreshed.LastRefreshedAt);
        Assert.Equal("ThirdAgent/3.0", refreshed.UserAgent);
    }

    private static void SetUserAgent(HeaderSession client, string userAgent)
    {
        client.Http.DefaultRequestHeaders.Remove("User-Agent");
        client.Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
    }

    [Fact]
    public async Task Metadata_has_no_user_agent_or_ip_unless_opted_in_but_records_the_refresh_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var server = await SesameTestServer.StartAsync(time: time);
        using var client = new HeaderSession(server);
        client.Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "TestAgent/1.0");
        await client.LoginAsync("alice");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/")).StatusCode); // promotes the refreshed token

        var info = Assert.Single(await Sessions(server).ListSessionsAsync("alice"));
        Assert.Equal(time.GetUtcNow(), info.LastRefreshedAt);
        Assert.Null(info.UserAgent);
        Assert.Null(info.IpAddress);
    }

    [Fact]
    public async Task Session_cap_revokes_the_oldest_session_at_creation_and_its_access_token_is_refused_at_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var server = await SesameTestServer.StartAsync(options => options.MaxSessionsPerUser = 2, time);
        using var oldest = new HeaderSession(server);
        using var middle = new HeaderSession(server);
        using var newest = new HeaderSession(server);
        using var other = new HeaderSession(server);
        await oldest.LoginAsync("alice");
        Assert.Equal(HttpStatusCode.OK, (await oldest.SendAsync(HttpMethod.Get, "/")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        await middle.LoginAsync("alice");
        await other.LoginAsync("bob");
        time.Advance(TimeSpan.FromSeconds(1));

        await newest.LoginAsync("alice");

        var listed = await Sessions(server).ListSessionsAsync("alice");
        Assert.Equal([HandleOf(middle), HandleOf(newest)], listed.Select(s => s.SessionHandle));
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldest.SendAsync(HttpMethod.Get, "/")).StatusCode);
        Assert.Equal("unauthorised", await (await oldest.RefreshAsync()).MessageAsync());
        Assert.Equal(HttpStatusCode.OK, (await middle.SendAsync(HttpMethod.Get, "/")).StatusCode);
        Assert.Single(await Sessions(server).ListSessionsAsync("bob"));
    }
}
