using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore;
using Sesame.Testing.Server;

namespace Sesame.Storage.Tests;

/// <summary>
/// Session data, session metadata and the per-user session cap with three server instances on one PostgreSQL database: what one
/// instance writes, every other one reads, and concurrent writers from different instances lose nothing.
/// </summary>
public sealed class PostgreSqlSessionDataAndCapTests
{
    [Fact]
    public async Task PostgreSql_session_data_updated_from_every_instance_at_once_keeps_every_key()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync();
        var handle = PostgreSqlMultiInstanceTests.SessionHandleOf(await RawSession.LoginAsync(cluster.Servers[0], "dora"));

        // 3 instances × 8 writers, each merging its own key into the same row: the compare-and-set retries across instances.
        var updates = cluster.Servers.SelectMany((server, i) => Enumerable.Range(0, 8).Select(j =>
            Sessions(server).UpdateSessionDataAsync(handle, new JsonObject { [$"k{i}-{j}"] = j }, TestContext.Current.CancellationToken)));
        Assert.All(await Task.WhenAll(updates), Assert.True);

        foreach (var server in cluster.Servers)
        {
            var data = (await Sessions(server).GetSessionDataAsync(handle, TestContext.Current.CancellationToken))!;
            Assert.Equal(24, data.Count);
            Assert.Equal(7, (int)data["k2-7"]!);
        }
    }

    [Fact]
    public async Task PostgreSql_metadata_of_a_refresh_on_another_instance_is_listed_by_every_instance()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync((_, o) => o.RecordClientInfo = true);
        var tokens = await RawSession.LoginAsync(cluster.Servers[0], "erin", userAgent: "Laptop/1.0");
        var created = cluster.Time.GetUtcNow();
        cluster.Time.Advance(TimeSpan.FromMinutes(2));

        // The first refresh presents the current token (nothing to write); the second presents its unpromoted child and promotes it,
        // recording the time and client in that write, on another instance than the login's.
        var refreshed = await RawSession.RefreshAsync(cluster.Servers[1], tokens.RefreshToken, userAgent: "Laptop/1.1");
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal(HttpStatusCode.OK, (await RawSession.RefreshAsync(cluster.Servers[1], refreshed.Tokens!.RefreshToken, userAgent: "Laptop/1.1")).Status);

        foreach (var server in cluster.Servers)
        {
            var info = Assert.Single(await Sessions(server).ListSessionsAsync("erin", TestContext.Current.CancellationToken));
            Assert.Equal(created, info.CreatedAt);
            Assert.Equal(created.AddMinutes(2), info.LastRefreshedAt);
            Assert.Equal("Laptop/1.1", info.UserAgent);
            Assert.Equal("127.0.0.1", info.IpAddress);
        }
    }

    [Fact]
    public async Task PostgreSql_session_cap_counts_logins_on_every_instance_and_revokes_the_oldest()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync((_, o) => o.MaxSessionsPerUser = 2);
        var s = cluster.Servers;
        var oldest = await RawSession.LoginAsync(s[0], "frank");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var middle = await RawSession.LoginAsync(s[1], "frank");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));

        var newest = await RawSession.LoginAsync(s[2], "frank");

        var listed = await Sessions(s[0]).ListSessionsAsync("frank", TestContext.Current.CancellationToken);
        Assert.Equal(
            new[] { PostgreSqlMultiInstanceTests.SessionHandleOf(middle), PostgreSqlMultiInstanceTests.SessionHandleOf(newest) }.Order(),
            listed.Select(l => l.SessionHandle).Order());
        // The capped session can no longer refresh on any instance; the other two can.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.RefreshAsync(s[0], oldest.RefreshToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await RawSession.RefreshAsync(s[0], middle.RefreshToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await RawSession.RefreshAsync(s[1], newest.RefreshToken)).Status);
    }

    private static ISessionService Sessions(SesameTestServer server) => server.Services.GetRequiredService<ISessionService>();
}
