using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Storage;
using Sesame.Storage.PostgreSql;
using Sesame.Testing.Server;

namespace Sesame.Storage.Tests;

/// <summary>
/// Three real Sesame servers (Kestrel on 127.0.0.1, different ports) sharing one PostgreSQL schema and one clock, with
/// no load balancer: tests address each instance directly.
/// </summary>
internal sealed class PostgreSqlServerCluster : IAsyncDisposable
{
    private readonly string? _schema;

    private PostgreSqlServerCluster(string? schema, string connectionString, FakeTimeProvider time, SesameTestServer[] servers)
    {
        _schema = schema;
        ConnectionString = connectionString;
        Time = time;
        Servers = servers;
    }

    public string ConnectionString { get; }

    public FakeTimeProvider Time { get; }

    public IReadOnlyList<SesameTestServer> Servers { get; }

    public ISessionStore Store => Servers[0].Services.GetRequiredService<ISessionStore>();

    public int RefreshCalledCount => Servers.Sum(s => s.RefreshCalledCount);

    public int RefreshAttemptedCount => Servers.Sum(s => s.RefreshAttemptedCount);

    public int TheftDetectedCount => Servers.Sum(s => s.TheftDetectedCount);

    public void ResetCounters()
    {
        foreach (var server in Servers)
        {
            server.ResetCounters();
        }
    }

    /// <summary>Starts the servers on a fresh schema of the shared test database.</summary>
    public static async Task<PostgreSqlServerCluster> StartAsync(Action<int, SesameServerOptions>? configure = null, int count = 3,
        int? commandTimeoutSeconds = null)
    {
        var schema = PostgreSqlTestDatabase.NewSchemaName("cluster");
        var connectionString = await PostgreSqlTestDatabase.CreateSchemaAsync(schema, TestContext.Current.CancellationToken);
        if (commandTimeoutSeconds is { } seconds)
        {
            connectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = seconds }.ConnectionString;
        }

        // With a short command timeout the instances start one after another: the test is about a slow query later, not about
        // start-up, and instances initialising at once wait for each other's migration lock (which a loaded machine stretches).
        return await StartAsync(schema, connectionString, configure, count, together: commandTimeoutSeconds is null);
    }

    /// <summary>Starts the servers on the database of <paramref name="connectionString"/> (the caller owns it).</summary>
    public static Task<PostgreSqlServerCluster> StartOnAsync(string connectionString, Action<int, SesameServerOptions>? configure = null, int count = 3) =>
        StartAsync(null, connectionString, configure, count, together: true);

    private static async Task<PostgreSqlServerCluster> StartAsync(string? schema, string connectionString,
        Action<int, SesameServerOptions>? configure, int count, bool together)
    {
        // All instances share a clock, as servers synchronised by NTP do; tests move it to expire tokens or rotate keys.
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var servers = new SesameTestServer[count];
        try
        {
            async Task StartOneAsync(int i) =>
                servers[i] = await SesameTestServer.StartAsync(new SesameTestServerSettings
                {
                    Time = time,
                    Configure = options => configure?.Invoke(i, options),
                    ConfigureServices = services => new SesameBuilder(services).UsePostgreSql(connectionString),
                }, TestContext.Current.CancellationToken);

            if (together)
            {
                // Started together on purpose: three instances initialising one empty schema at once.
                await Task.WhenAll(Enumerable.Range(0, count).Select(StartOneAsync));
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    await StartOneAsync(i);
                }
            }
        }
        catch
        {
            foreach (var server in servers.Where(s => s is not null))
            {
                await server.DisposeAsync();
            }

            throw;
        }

        return new PostgreSqlServerCluster(schema, connectionString, time, servers);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        if (_schema is not null)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_schema);
        }
    }
}
