using Sesame.Testing.Server;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Internal;

namespace Sesame.Storage.Tests;

/// <summary>
/// Findings 2 and 4 of the security review on PostgreSQL: what a read replica or a backup holds must not mint tokens, a database
/// of the previous schema migrates (several instances at once) without logging anyone out, and a revoked key stops working on
/// every instance within the reload interval.
/// </summary>
public sealed class PostgreSqlKeyMaterialTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Security_PostgreSql_rows_at_rest_hold_no_usable_key_and_a_token_forged_from_them_is_rejected()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync(count: 2);
        var alice = await RawSession.LoginAsync(cluster.Servers[0], "alice");

        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var rows = await ReadKeyRowsAsync(dataSource);
        Assert.Contains(rows, r => r.Algorithm == "RS256");
        Assert.Contains(rows, r => r.Algorithm == "HS256");
        foreach (var (keyId, algorithm, stored, isProtected) in rows)
        {
            Assert.True(isProtected, keyId);
            Assert.False(KeyMaterialForgery.ImportsAsPkcs8(stored), $"{keyId} is a usable PKCS#8 private key");
            if (algorithm == "RS256")
            {
                var forged = KeyMaterialForgery.ForgeAccessToken(keyId, stored, "admin", Guid.NewGuid().ToString(), new string('a', 64), FarIat, FarExp);
                foreach (var server in cluster.Servers)
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.GetAsync(server, forged)).Status);
                }
            }
            else
            {
                // The stored bytes used as the MAC key, with the key id an attacker reads next to them.
                var forged = KeyMaterialForgery.ForgeRefreshToken(stored, keyId, HandleOf(alice.AccessToken));
                Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.RefreshAsync(cluster.Servers[1], forged)).Status);
            }
        }

        await using (var secrets = dataSource.CreateCommand("SELECT count(*) FROM sesame_secrets;"))
        {
            Assert.Equal(0L, (long)(await secrets.ExecuteScalarAsync(Ct))!);
        }

        Assert.Equal(0, cluster.TheftDetectedCount);
        Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(cluster.Servers[1], alice.AccessToken)).Status);
    }

    [Fact]
    public async Task Security_PostgreSql_database_of_the_previous_schema_migrates_on_instances_starting_at_once_and_sessions_keep_working()
    {
        var schema = PostgreSqlTestDatabase.NewSchemaName("keys_v1");
        var connectionString = await PostgreSqlTestDatabase.CreateSchemaAsync(schema, Ct);
        try
        {
            var old = await PreviousSchema.CreateAsync(connectionString, "alice");

            // Three instances start together on the old schema: one migrates the schema under the advisory lock, the key rows are
            // protected by compare-and-set, and every instance ends up with the same keys.
            await using var cluster = await PostgreSqlServerCluster.StartOnAsync(connectionString);
            foreach (var server in cluster.Servers)
            {
                Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, old.AccessToken)).Status); // no logout on upgrade
            }

            var refreshed = await RawSession.RefreshAsync(cluster.Servers[2], old.RefreshToken);
            Assert.True(refreshed.Status == HttpStatusCode.OK, RawSession.Describe(refreshed));
            Assert.NotEqual(old.KeyId, refreshed.Tokens!.KeyId); // the exposed key no longer signs
            foreach (var server in cluster.Servers)
            {
                Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, refreshed.Tokens.AccessToken)).Status);
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var rows = await ReadKeyRowsAsync(dataSource);
            Assert.All(rows, r => Assert.True(r.IsProtected, r.KeyId));
            Assert.All(rows, r => Assert.NotEqual(old.PrivateKeyPkcs8, r.Stored));
            Assert.All(rows, r => Assert.NotEqual(old.Secret, r.Stored));
            Assert.Single(rows, r => r.Algorithm == "RS256" && r.KeyId != old.KeyId); // one new key, not one per instance
            await using var versions = dataSource.CreateCommand("SELECT max(version) FROM sesame_schema_migrations;");
            Assert.Equal(3, (int)(await versions.ExecuteScalarAsync(Ct))!);
        }
        finally
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task Security_PostgreSql_revoked_signing_key_is_rejected_by_every_instance_after_the_reload_interval()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync((_, o) => o.KeyReloadInterval = TimeSpan.FromSeconds(30));
        var s = cluster.Servers;
        var tokens = await RawSession.LoginAsync(s[1], "u1");
        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, tokens.AccessToken)).Status); // verified and cached
        }

        Assert.True(await s[0].Services.GetRequiredService<ISigningKeyManager>().RevokeKeyAsync(tokens.KeyId, Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.GetAsync(s[0], tokens.AccessToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(s[2], tokens.AccessToken)).Status); // not reloaded yet

        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        foreach (var server in s)
        {
            await server.Services.GetRequiredService<KeyRingReloader>().LastReload;
            Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.GetAsync(server, tokens.AccessToken)).Status);
        }

        // The client refreshes on any instance and every instance accepts the new key's token.
        var refreshed = await RawSession.RefreshAsync(s[2], tokens.RefreshToken);
        Assert.True(refreshed.Status == HttpStatusCode.OK, RawSession.Describe(refreshed));
        Assert.NotEqual(tokens.KeyId, refreshed.Tokens!.KeyId);
        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, refreshed.Tokens.AccessToken)).Status);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            var kids = JsonNode.Parse(await http.GetStringAsync("/auth/jwt/jwks.json", Ct))!["keys"]!.AsArray().Select(k => (string?)k!["kid"]);
            Assert.DoesNotContain(tokens.KeyId, kids);
        }
    }

    private static async Task<List<(string KeyId, string Algorithm, byte[] Stored, bool IsProtected)>> ReadKeyRowsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT key_id, algorithm, private_key, is_protected FROM sesame_signing_keys;");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<(string, string, byte[], bool)>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetBoolean(3)));
        }

        return rows;
    }

    // Far from the cluster's fake clock either way: a forged token's expiry is not what decides these tests.
    internal const long FarIat = 1_000_000_000L;
    internal const long FarExp = 4_102_444_800L;

    private static string HandleOf(string accessToken) =>
        (string)JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(accessToken.Split('.')[1]))!["sessionHandle"]!;

}

/// <summary>A PostgreSQL schema as the version before key encryption wrote it (schema 1, plain key material), with one session.</summary>
internal sealed record PreviousSchema(string KeyId, byte[] PrivateKeyPkcs8, byte[] Secret, string AccessToken, string RefreshToken)
{
    // Schema version 1 exactly as shipped (PostgreSqlSchema.Migrations[0]) and its bookkeeping.
    private const string SchemaV1 = """
        CREATE TABLE sesame_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE sesame_sessions (session_handle text NOT NULL PRIMARY KEY, user_id text NOT NULL, refresh_token_hash2 text NOT NULL,
            payload text NOT NULL, session_data text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
        CREATE INDEX ix_sesame_sessions_user_id_expires_at ON sesame_sessions (user_id, expires_at);
        CREATE INDEX ix_sesame_sessions_expires_at ON sesame_sessions (expires_at);
        CREATE TABLE sesame_signing_keys (key_id text NOT NULL PRIMARY KEY, algorithm text NOT NULL, private_key bytea NOT NULL, created_at timestamptz NOT NULL);
        CREATE TABLE sesame_secrets (name text NOT NULL PRIMARY KEY, value bytea NOT NULL);
        INSERT INTO sesame_schema_migrations (version) VALUES (1);
        """;

    // The cluster's fake clock starts here (PostgreSqlServerCluster).
    private static readonly DateTimeOffset ClusterStart = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public static async Task<PreviousSchema> CreateAsync(string connectionString, string userId)
    {
        var keyId = "d-" + ClusterStart.AddDays(-1).ToUnixTimeMilliseconds();
        using var rsa = RSA.Create(2048);
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        var secret = RandomNumberGenerator.GetBytes(32);
        var handle = Guid.NewGuid().ToString();
        var refreshToken = KeyMaterialForgery.ForgeRefreshToken(secret, null, handle);
        var hash1 = Sha256Hex(refreshToken);
        var accessToken = KeyMaterialForgery.ForgeAccessToken(keyId, pkcs8, userId, handle, hash1, PostgreSqlKeyMaterialTests.FarIat, PostgreSqlKeyMaterialTests.FarExp);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var create = dataSource.CreateCommand(SchemaV1))
        {
            await create.ExecuteNonQueryAsync();
        }

        await ExecuteAsync(dataSource, "INSERT INTO sesame_signing_keys VALUES ($1, 'RS256', $2, $3);", keyId, pkcs8, ClusterStart.AddDays(-1).UtcDateTime);
        await ExecuteAsync(dataSource, "INSERT INTO sesame_secrets VALUES ('refresh_token_key', $1);", secret);
        await ExecuteAsync(dataSource, "INSERT INTO sesame_sessions VALUES ($1, $2, $3, '{}', '{}', $4, $5);",
            handle, userId, Sha256Hex(hash1), ClusterStart.AddHours(-1).UtcDateTime, ClusterStart.AddDays(90).UtcDateTime);
        return new PreviousSchema(keyId, pkcs8, secret, accessToken, refreshToken);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
