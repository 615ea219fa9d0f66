using System.Net;

namespace Sesame.Storage.Tests;

/// <summary>
/// The .NET client against three instances on one PostgreSQL database, its calls (and refreshes) going round-robin.
/// </summary>
public sealed class PostgreSqlRoundRobinClientTests
{
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task PostgreSql_expiry_storms_across_three_instances_cost_exactly_one_refresh_per_expiry()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync((_, options) => options.AccessTokenLifetime = AccessTokenLifetime);
        await using var client = RoundRobinClient.Create([.. cluster.Servers.Select(s => s.BaseAddress)]);
        await client.LoginAsync("storm");
        // The client probes the refresh endpoint once before it knows of any session (docs/protocol/refresh.md#probe): not an expiry.
        cluster.ResetCounters();

        for (var expiry = 1; expiry <= 3; expiry++)
        {
            cluster.Time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(1));

            var calls = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
            {
                using var response = await client.Http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }));

            Assert.All(calls, c => Assert.Equal((HttpStatusCode.OK, "storm"), c));
            Assert.Equal(expiry, cluster.RefreshCalledCount);
            Assert.Equal(expiry, cluster.RefreshAttemptedCount);
        }

        Assert.All(cluster.Servers, s => Assert.True(s.GetSessionCalledCount > 0, "every instance served calls"));
        Assert.Equal(0, cluster.TheftDetectedCount);
    }

    [Fact]
    public async Task PostgreSql_down_the_client_gets_503_keeps_its_session_and_recovers_with_one_refresh()
    {
        await using var database = await PrivatePostgreSqlInstance.StartAsync();
        await using var cluster = await PostgreSqlServerCluster.StartOnAsync(database.ConnectionString,
            (_, options) => options.AccessTokenLifetime = AccessTokenLifetime);
        await using var client = RoundRobinClient.Create([.. cluster.Servers.Select(s => s.BaseAddress)]);
        await client.LoginAsync("patient");
        cluster.ResetCounters();

        await database.StopAsync();

        for (var i = 0; i < 6; i++)
        {
            // A valid access token is verified without the database, on every instance in turn.
            using var response = await client.Http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        cluster.Time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(1));
        using (var duringOutage = await client.Http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, duringOutage.StatusCode);
        }

        Assert.Equal("patient", await client.Session.GetUserIdAsync(TestContext.Current.CancellationToken));
        Assert.NotNull(await client.Session.GetAccessTokenAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, cluster.RefreshCalledCount);

        await database.StartAgainAsync();

        using (var afterOutage = await client.Http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, afterOutage.StatusCode);
            Assert.Equal("patient", await afterOutage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(1, cluster.RefreshCalledCount);
        Assert.Equal(0, cluster.TheftDetectedCount);
    }
}
