using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore.Storage;

namespace Sesame.Storage.Tests;

/// <summary>
/// Database faults under three servers: a PostgreSQL instance of their own shut down and started again (a real
/// outage), and a row held by another transaction past the command timeout (a real slow database).
/// </summary>
public sealed class PostgreSqlOutageTests
{
    [Fact]
    public async Task PostgreSql_down_refresh_answers_503_verification_keeps_working_and_the_session_survives_until_it_is_back()
    {
        await using var database = await PrivatePostgreSqlInstance.StartAsync();
        await using var cluster = await PostgreSqlServerCluster.StartOnAsync(database.ConnectionString,
            (_, options) => options.AccessTokenLifetime = TimeSpan.FromMinutes(10));
        var s = cluster.Servers;
        var login = await RawSession.LoginAsync(s[0], "patient");
        var child = (await RawSession.RefreshAsync(s[1], login.RefreshToken)).Tokens!;
        var promotion = await RawSession.GetAsync(s[2], child.AccessToken);
        Assert.Equal(HttpStatusCode.OK, promotion.Status);
        var current = child with { AccessToken = promotion.NewAccessToken! };

        await database.StopAsync();

        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, current.AccessToken)).Status);
            var refresh = await RawSession.RefreshAsync(server, current.RefreshToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refresh.Status);
        }

        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() =>
            s[0].Services.GetRequiredService<ISessionStore>().FindAsync("any", TestContext.Current.CancellationToken));

        await database.StartAgainAsync();

        // The same refresh token works on every instance once the database is back: nothing was revoked.
        foreach (var server in s)
        {
            var refresh = await RawSession.RefreshAsync(server, current.RefreshToken);
            Assert.True(refresh.Status == HttpStatusCode.OK, RawSession.Describe(refresh));
        }

        var next = (await RawSession.RefreshAsync(s[0], current.RefreshToken)).Tokens!;
        Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(s[1], next.AccessToken)).Status);
        Assert.Equal(0, cluster.TheftDetectedCount);
    }
    [Fact]
    public async Task PostgreSql_slow_database_past_the_command_timeout_refresh_answers_503_and_the_session_survives()
    {
        // 5 s: long enough that no normal query of the test hits it on a loaded machine (with 1 s, start-up did in one full run),
        // and the locked row below waits for as long as the test holds it.
        await using var cluster = await PostgreSqlServerCluster.StartAsync(
            (_, options) => options.AccessTokenLifetime = TimeSpan.FromMinutes(10), commandTimeoutSeconds: 5);
        var s = cluster.Servers;
        var login = await RawSession.LoginAsync(s[0], "slowpoke");
        var child = (await RawSession.RefreshAsync(s[1], login.RefreshToken)).Tokens!;
        var handle = PostgreSqlMultiInstanceTests.SessionHandleOf(child);

        // Another transaction holds the session row: promoting the child must wait for it, longer than the timeout.
        await using (var blocker = new Npgsql.NpgsqlConnection(cluster.ConnectionString))
        {
            await blocker.OpenAsync(TestContext.Current.CancellationToken);
            await using var transaction = await blocker.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM sesame_sessions WHERE session_handle = $1 FOR UPDATE;", blocker, transaction))
            {
                lockRow.Parameters.Add(new Npgsql.NpgsqlParameter { Value = handle });
                Assert.Equal(1, await lockRow.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            }

            var stalled = await RawSession.RefreshAsync(s[2], child.RefreshToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.Status);
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(s[0], login.AccessToken)).Status);
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        }

        var refreshed = await RawSession.RefreshAsync(s[2], child.RefreshToken);
        Assert.True(refreshed.Status == HttpStatusCode.OK, RawSession.Describe(refreshed));
        Assert.Equal(0, cluster.TheftDetectedCount);
    }
}
