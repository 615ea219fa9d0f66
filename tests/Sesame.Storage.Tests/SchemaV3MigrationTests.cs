using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sesame.AspNetCore.Storage;
using Sesame.Storage.PostgreSql;

namespace Sesame.Storage.Tests;

/// <summary>
/// Schema version 3 (sesame_ table names on SQLite, per-session metadata on both): a database written at version 2 by the previous
/// code, with a session and a key, migrates when several store instances start at once, and keeps its rows.
/// </summary>
public sealed class SchemaV3MigrationTests
{
    // The SQLite schema at version 2, as the previous code left it (tables without the sesame_ prefix).
    private const string SqliteV2 = """
        CREATE TABLE sessions (session_handle TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, refresh_token_hash2 TEXT NOT NULL,
            payload TEXT NOT NULL, session_data TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        CREATE INDEX ix_sessions_user_id_expires_at ON sessions (user_id, expires_at);
        CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
        CREATE TABLE signing_keys (key_id TEXT NOT NULL PRIMARY KEY, algorithm TEXT NOT NULL, private_key BLOB NOT NULL,
            created_at INTEGER NOT NULL, is_protected INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE secrets (name TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL);
        INSERT INTO sessions VALUES ('h-1', 'u-1', 'hash2', '{"role":"admin"}', '{"cart":[1]}', 1000, 4102444800000);
        INSERT INTO signing_keys VALUES ('d-1', 'RS256', x'0102', 2000, 1);
        INSERT INTO secrets VALUES ('other', x'0A0B');
        PRAGMA user_version = 2;
        """;

    // The PostgreSQL schema at version 2 (its table names were already sesame_ ones).
    private const string PostgreSqlV2 = """
        CREATE TABLE sesame_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE sesame_sessions (session_handle text NOT NULL PRIMARY KEY, user_id text NOT NULL, refresh_token_hash2 text NOT NULL,
            payload text NOT NULL, session_data text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
        CREATE INDEX ix_sesame_sessions_user_id_expires_at ON sesame_sessions (user_id, expires_at);
        CREATE INDEX ix_sesame_sessions_expires_at ON sesame_sessions (expires_at);
        CREATE TABLE sesame_signing_keys (key_id text NOT NULL PRIMARY KEY, algorithm text NOT NULL, private_key bytea NOT NULL,
            created_at timestamptz NOT NULL, is_protected boolean NOT NULL DEFAULT false);
        CREATE TABLE sesame_secrets (name text NOT NULL PRIMARY KEY, value bytea NOT NULL);
        INSERT INTO sesame_sessions VALUES ('h-1', 'u-1', 'hash2', '{"role":"admin"}', '{"cart":[1]}', to_timestamp(1), to_timestamp(4102444800));
        INSERT INTO sesame_signing_keys VALUES ('d-1', 'RS256', '\x0102', to_timestamp(2), true);
        INSERT INTO sesame_secrets VALUES ('other', '\x0a0b');
        INSERT INTO sesame_schema_migrations (version) VALUES (1), (2);
        """;

    private static readonly StoredSession ExpectedSession = new("h-1", "u-1", "hash2", """{"role":"admin"}""", """{"cart":[1]}""",
        DateTimeOffset.FromUnixTimeSeconds(1), DateTimeOffset.FromUnixTimeSeconds(4_102_444_800));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sqlite_v2_database_migrates_to_sesame_tables_at_once_from_several_instances_and_keeps_sessions_keys_and_secrets()
    {
        var folder = Directory.CreateTempSubdirectory("sesame-v3-").FullName;
        var path = Path.Combine(folder, "sesame.db");
        var stores = new List<SqliteSessionStore>();
        try
        {
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                await connection.OpenAsync(Ct);
                await using var create = connection.CreateCommand();
                create.CommandText = SqliteV2;
                await create.ExecuteNonQueryAsync(Ct);
            }

            stores.AddRange(Enumerable.Range(0, 4).Select(_ => new SqliteSessionStore(path, NullLogger<SqliteSessionStore>.Instance)));
            await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync(Ct), Ct)));

            foreach (var store in stores)
            {
                await AssertMigratedAsync(store);
            }

            await AssertMetadataColumnsWorkAsync(stores[0]);

            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                await connection.OpenAsync(Ct);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA user_version;";
                Assert.Equal(3L, (long)(await command.ExecuteScalarAsync(Ct))!);
                command.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name);";
                Assert.Equal(
                    "ix_sesame_sessions_expires_at,ix_sesame_sessions_user_id_expires_at,sesame_secrets,sesame_sessions,sesame_signing_keys",
                    (string?)await command.ExecuteScalarAsync(Ct));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task PostgreSql_v2_database_migrates_at_once_from_several_instances_and_keeps_sessions_keys_and_secrets()
    {
        var schema = PostgreSqlTestDatabase.NewSchemaName("v3");
        var connectionString = await PostgreSqlTestDatabase.CreateSchemaAsync(schema, Ct);
        var stores = new List<PostgreSqlSessionStore>();
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            await using (var create = dataSource.CreateCommand(PostgreSqlV2))
            {
                await create.ExecuteNonQueryAsync(Ct);
            }

            stores.AddRange(Enumerable.Range(0, 4).Select(_ =>
                new PostgreSqlSessionStore(connectionString, NullLogger<PostgreSqlSessionStore>.Instance)));
            await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync(Ct), Ct)));

            foreach (var store in stores)
            {
                await AssertMigratedAsync(store);
            }

            await AssertMetadataColumnsWorkAsync(stores[0]);

            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            await using (var versions = dataSource.CreateCommand("SELECT string_agg(version::text, ',' ORDER BY version) FROM sesame_schema_migrations;"))
            {
                Assert.Equal("1,2,3", (string?)await versions.ExecuteScalarAsync(Ct));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }

            await PostgreSqlTestDatabase.DropSchemaAsync(schema);
        }
    }

    private static async Task AssertMigratedAsync(ISessionStore store)
    {
        // The old row is whole, with no metadata yet (it was never recorded), and the new columns work.
        Assert.Equal(ExpectedSession, await store.FindAsync("h-1", Ct));
        var key = Assert.Single(await store.GetSigningKeysAsync(Ct));
        Assert.Equal(("d-1", "RS256", true), (key.KeyId, key.Algorithm, key.IsProtected));
        Assert.Equal(new byte[] { 1, 2 }, key.PrivateKeyPkcs8);
        Assert.Equal(new byte[] { 10, 11 }, await store.GetOrCreateSecretAsync("other", () => [9], Ct));
    }

    private static async Task AssertMetadataColumnsWorkAsync(ISessionStore store)
    {
        Assert.True(await store.TryRotateAsync("h-1", ExpectedSession.RefreshTokenHash2, "new-hash", ExpectedSession.ExpiresAt,
            new SessionRotationRecord(DateTimeOffset.FromUnixTimeSeconds(5), "agent", "192.0.2.1"), Ct));
        Assert.Equal(ExpectedSession with { RefreshTokenHash2 = "new-hash", LastRefreshedAt = DateTimeOffset.FromUnixTimeSeconds(5), UserAgent = "agent", IpAddress = "192.0.2.1" },
            await store.FindAsync("h-1", Ct));
    }
}
