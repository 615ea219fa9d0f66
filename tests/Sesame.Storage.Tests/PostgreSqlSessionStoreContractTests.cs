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
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(1));
    }
}
