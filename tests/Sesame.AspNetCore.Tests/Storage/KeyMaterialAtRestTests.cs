using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests.Storage;

/// <summary>
/// Finding 2 of the security review: what lies in the database file must not let anyone who can read it (a local user, a
/// backup) mint tokens. Each test reads the file the way an attacker would: raw rows, no Sesame code in between.
/// </summary>
public sealed class KeyMaterialAtRestTests
{
    [Fact]
    public async Task Security_access_token_forged_from_the_signing_keys_at_rest_is_rejected()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var alice = new HeaderSession(server);
        Assert.Equal(HttpStatusCode.OK, (await alice.LoginAsync("alice")).StatusCode);

        // The reviewer's proof of concept: take every signing key row, sign sub=admin with it (or, when it does not import as
        // a private key, with a key of our own under the same kid: the best an attacker can do), and call the API.
        var rows = AtRest.SigningKeyRows(server.DatabasePath);
        Assert.NotEmpty(rows);
        foreach (var (keyId, stored) in rows)
        {
            using var forger = new HeaderSession(server) { AccessToken = KeyMaterialForgery.ForgeAccessToken(keyId, stored, "admin") };
            var response = await forger.SendAsync(HttpMethod.Get, "/");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.False(KeyMaterialForgery.ImportsAsPkcs8(stored), $"signing key {keyId} is stored as a usable PKCS#8 private key");
        }

        Assert.Equal("alice", await (await alice.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Security_refresh_token_forged_from_the_secret_at_rest_is_rejected_and_the_session_survives()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var alice = new HeaderSession(server);
        await alice.LoginAsync("alice");
        var handle = (string)Jwt.Payload(alice.AccessToken!)["sessionHandle"]!;

        // With the refresh-token MAC secret an attacker can mint refresh tokens for any session handle (they are in the file
        // too); the server would take one as a reused token and revoke the session: sign anyone out at will.
        foreach (var secret in AtRest.SecretCandidates(server.DatabasePath))
        {
            using var forger = new HeaderSession(server);
            var response = await forger.RefreshAsync(KeyMaterialForgery.ForgeRefreshToken(secret, null, handle));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(0, server.TheftDetectedCount);
        Assert.Equal("alice", await (await alice.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        Assert.Equal(HttpStatusCode.OK, (await alice.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Security_database_file_and_its_folder_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // POSIX modes only
        }

        var folder = Path.Combine(Path.GetTempPath(), "sesame-tests", "mode-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(folder, "nested", "sessions.db");
        try
        {
            await using (var server = await SesameTestServer.StartAsync(databasePath: path))
            {
                using var client = new HeaderSession(server);
                await client.LoginAsync("u1"); // writes: the -wal and -shm files exist now
                Assert.True(File.Exists(path + "-wal"));
                Assert.True(File.Exists(path + "-shm"));
                foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }

                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                    File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Security_existing_database_file_with_a_looser_mode_is_tightened_at_start()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = SesameTestServer.NewDatabasePath();
        await using (await SesameTestServer.StartAsync(databasePath: path))
        {
        }

        SqliteConnection.ClearAllPools();
        var loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(path, loose);
        await using (await SesameTestServer.StartAsync(databasePath: path))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Security_database_of_the_previous_schema_with_plain_keys_is_protected_on_first_start_and_its_sessions_keep_working()
    {
        // A database as the previous version wrote it: schema 1, a plain PKCS#8 signing key, the plain MAC secret, one session
        // whose tokens were minted with them.
        var path = SesameTestServer.NewDatabasePath();
        var old = PreviousVersionDatabase.Create(path, "alice");

        await using (var server = await SesameTestServer.StartAsync(databasePath: path))
        {
            using var alice = new HeaderSession(server) { AccessToken = old.AccessToken, RefreshToken = old.RefreshToken };
            Assert.Equal("alice", await (await alice.SendAsync(HttpMethod.Get, "/")).BodyAsync()); // no logout on upgrade
            Assert.Equal(HttpStatusCode.OK, (await alice.RefreshAsync()).StatusCode);             // the old refresh token refreshes
            Assert.Equal("alice", await (await alice.SendAsync(HttpMethod.Get, "/")).BodyAsync());
            Assert.NotEqual(old.KeyId, (string?)Jwt.Header(alice.AccessToken!)["kid"]); // the exposed key no longer signs
            Assert.Equal(3, alice.RefreshToken!.Split('.').Length);                     // new refresh tokens name their key
            Assert.All(AtRest.SigningKeyRows(path), row => Assert.False(KeyMaterialForgery.ImportsAsPkcs8(row.Stored)));
            Assert.All(AtRest.SecretCandidates(path), blob => Assert.NotEqual(old.Secret, blob));
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(old.PrivateKeyPkcs8) < 0, $"{file} still holds the plain private key");
            Assert.True(bytes.AsSpan().IndexOf(old.Secret) < 0, $"{file} still holds the plain MAC secret");
        }

        // Idempotent: a second start changes nothing and the session still works.
        await using (var again = await SesameTestServer.StartAsync(databasePath: path))
        {
            using var alice = new HeaderSession(again) { AccessToken = old.AccessToken, RefreshToken = old.RefreshToken };
            Assert.Equal("alice", await (await alice.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        }
    }

    [Fact]
    public async Task Security_keys_written_under_another_data_protection_key_ring_fail_start_up_with_a_clear_error()
    {
        var path = SesameTestServer.NewDatabasePath();
        await using (await SesameTestServer.StartAsync(databasePath: path))
        {
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            DatabasePath = path,
            DataProtectionKeysPath = SesameTestServer.NewDataProtectionKeysPath(),
        }));
        Assert.Contains("Data Protection key ring", error.Message, StringComparison.Ordinal);
        Assert.Contains("Session:DiscardUnreadableKeys", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(AtRest.SigningKeyRows(path)); // nothing was replaced
    }

    [Fact]
    public async Task Security_discard_unreadable_keys_opt_in_rekeys_with_a_warning_and_old_tokens_are_rejected()
    {
        var path = SesameTestServer.NewDatabasePath();
        string access, refresh, oldKid;
        await using (var first = await SesameTestServer.StartAsync(databasePath: path))
        {
            using var client = new HeaderSession(first);
            await client.LoginAsync("u1");
            (access, refresh) = (client.AccessToken!, client.RefreshToken!);
            oldKid = (string)Jwt.Header(access)["kid"]!;
        }

        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        await using var second = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            DatabasePath = path,
            DataProtectionKeysPath = SesameTestServer.NewDataProtectionKeysPath(),
            Configure = o => o.DiscardUnreadableKeys = true,
            ConfigureServices = services => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<
                Microsoft.Extensions.Logging.ILoggerProvider>(services, new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)),
        });
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Name == "UnreadableKeysDiscarded" && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.DoesNotContain(AtRest.SigningKeyRows(path), row => row.KeyId == oldKid);

        using var stale = new HeaderSession(second) { AccessToken = access, RefreshToken = refresh };
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.SendAsync(HttpMethod.Get, "/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.RefreshAsync()).StatusCode);
        using var fresh = new HeaderSession(second);
        await fresh.LoginAsync("u2");
        Assert.Equal("u2", await (await fresh.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }
}

/// <summary>A SQLite file as the version before key encryption wrote it (schema 1, plain key material), with one session.</summary>
internal sealed record PreviousVersionDatabase(string KeyId, byte[] PrivateKeyPkcs8, byte[] Secret, string AccessToken, string RefreshToken)
{
    // Schema version 1 exactly as shipped (SqliteSchema.Migrations[0]).
    private const string SchemaV1 = """
        CREATE TABLE sessions (session_handle TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, refresh_token_hash2 TEXT NOT NULL,
            payload TEXT NOT NULL, session_data TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        CREATE INDEX ix_sessions_user_id_expires_at ON sessions (user_id, expires_at);
        CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
        CREATE TABLE signing_keys (key_id TEXT NOT NULL PRIMARY KEY, algorithm TEXT NOT NULL, private_key BLOB NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE secrets (name TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL);
        PRAGMA user_version = 1;
        """;

    public static PreviousVersionDatabase Create(string path, string userId)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var now = DateTimeOffset.UtcNow;
        var keyId = "d-" + now.AddDays(-1).ToUnixTimeMilliseconds();
        using var rsa = RSA.Create(2048);
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        var secret = RandomNumberGenerator.GetBytes(32);
        var handle = Guid.NewGuid().ToString();
        var refreshToken = KeyMaterialForgery.ForgeRefreshToken(secret, null, handle);
        var hash1 = Sha256Hex(refreshToken);
        var accessToken = KeyMaterialForgery.ForgeAccessToken(keyId, pkcs8, userId, handle, hash1);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = SchemaV1 + """
                INSERT INTO signing_keys VALUES (@kid, 'RS256', @key, @created);
                INSERT INTO secrets VALUES ('refresh_token_key', @secret);
                INSERT INTO sessions VALUES (@handle, @user, @hash2, '{}', '{}', @now, @expires);
                """;
            command.Parameters.AddWithValue("@kid", keyId);
            command.Parameters.AddWithValue("@key", pkcs8);
            command.Parameters.AddWithValue("@created", now.AddDays(-1).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@secret", secret);
            command.Parameters.AddWithValue("@handle", handle);
            command.Parameters.AddWithValue("@user", userId);
            command.Parameters.AddWithValue("@hash2", Sha256Hex(hash1));
            command.Parameters.AddWithValue("@now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@expires", now.AddDays(100).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        return new PreviousVersionDatabase(keyId, pkcs8, secret, accessToken, refreshToken);
    }

    public static string Sha256Hex(string value) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
}

/// <summary>Reads a Sesame SQLite file the way an attacker with read access would, and forges tokens from it.</summary>
internal static class AtRest
{
    /// <summary>Every RS256 signing-key row: (kid, stored bytes).</summary>
    public static List<(string KeyId, byte[] Stored)> SigningKeyRows(string databasePath)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, private_key FROM sesame_signing_keys WHERE algorithm = 'RS256';";
        var rows = new List<(string, byte[])>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
        }

        return rows;
    }

    /// <summary>Every stored blob that could be the refresh-token MAC secret (the secrets table and non-RSA key rows).</summary>
    public static List<byte[]> SecretCandidates(string databasePath)
    {
        using var connection = Open(databasePath);
        var blobs = new List<byte[]>();
        foreach (var sql in new[] { "SELECT value FROM sesame_secrets;", "SELECT private_key FROM sesame_signing_keys WHERE algorithm <> 'RS256';" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                blobs.Add((byte[])reader.GetValue(0));
            }
        }

        return blobs;
    }

    private static SqliteConnection Open(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
