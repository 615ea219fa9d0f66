using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sesame.AspNetCore.Storage;
using Sesame.Storage.PostgreSql;

namespace Sesame.Storage.Tests;

/// <summary>The store contract on the private PostgreSQL instance, one schema per test.</summary>
public sealed class PostgreSqlSessionStoreContractTests : SessionStoreContractTests
{
    private string _schema = "";
    private string _connectionString = "";

    protected override async ValueTask CreateDatabaseAsync()
    {
        _schema = PostgreSqlTestDatabase.NewSchemaName("contract");
        _connectionString = await PostgreSqlTestDatabase.CreateSchemaAsync(_schema, TestContext.Current.CancellationToken);
    }

    protected override async ValueTask DropDatabaseAsync()
    {
        if (_schema.Length > 0)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_schema);
        }
    }

    protected override ISessionStore OpenStore() =>
        new PostgreSqlSessionStore(_connectionString, NullLogger<PostgreSqlSessionStore>.Instance);

    // Port 1 on loopback: nothing listens there, so every connection attempt is refused at once.
    protected override ISessionStore OpenUnreachableStore() =>
        new PostgreSqlSessionStore(
            new NpgsqlConnectionStringBuilder(PostgreSqlTestDatabase.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString,
            NullLogger<PostgreSqlSessionStore>.Instance);

    [Fact]
    public async Task PostgreSql_schema_version_is_recorded_once_per_migration()
    {
        await Store.InitializeAsync(TestContext.Current.CancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*), max(version) FROM sesame_schema_migrations;");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3L, reader.GetInt64(0));
        Assert.Equal(3, reader.GetInt32(1));
    }
    // With sequential scans priced out, the planner shows whether an index can serve each of the store's query
    // shapes; without one it would still answer with a Seq Scan.
    [Theory]
    [InlineData("SELECT * FROM sesame_sessions WHERE session_handle = 'h'")]
    [InlineData("UPDATE sesame_sessions SET refresh_token_hash2 = 'n' WHERE session_handle = 'h' AND refresh_token_hash2 = 'e'")]
    [InlineData("DELETE FROM sesame_sessions WHERE user_id = 'u'")]
    [InlineData("SELECT * FROM sesame_sessions WHERE user_id = 'u' AND expires_at > now()")]
    [InlineData("DELETE FROM sesame_sessions WHERE expires_at <= now()")]
    public async Task PostgreSql_session_queries_can_use_an_index(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off;", connection))
        {
            await off.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            plan.Add(reader.GetString(0));
        }

        Assert.Contains(plan, line => line.Contains("Index", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
    }
}
