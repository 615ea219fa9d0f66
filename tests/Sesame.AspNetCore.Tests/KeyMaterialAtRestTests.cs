using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

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
            using var forger = new HeaderSession(server) { AccessToken = AtRest.ForgeAccessToken(keyId, stored, "admin") };
            var response = await forger.SendAsync(HttpMethod.Get, "/");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.False(AtRest.ImportsAsPkcs8(stored), $"signing key {keyId} is stored as a usable PKCS#8 private key");
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
            var response = await forger.RefreshAsync(AtRest.ForgeRefreshToken(secret, handle));
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
}

/// <summary>Reads a Sesame SQLite file the way an attacker with read access would, and forges tokens from it.</summary>
internal static class AtRest
{
    /// <summary>Every RS256 signing-key row: (kid, stored bytes).</summary>
    public static List<(string KeyId, byte[] Stored)> SigningKeyRows(string databasePath)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, private_key FROM signing_keys WHERE algorithm = 'RS256';";
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
        foreach (var sql in new[] { "SELECT value FROM secrets;", "SELECT private_key FROM signing_keys WHERE algorithm <> 'RS256';" })
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

    public static bool ImportsAsPkcs8(byte[] stored)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(stored, out _);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A v5 access token for <paramref name="userId"/> signed with the stored key, or with a random key under its kid.</summary>
    public static string ForgeAccessToken(string keyId, byte[] stored, string userId)
    {
        using var rsa = RSA.Create(2048);
        if (ImportsAsPkcs8(stored))
        {
            rsa.ImportPkcs8PrivateKey(stored, out _);
        }

        var now = DateTimeOffset.UtcNow;
        var header = new System.Text.Json.Nodes.JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = keyId, ["version"] = "5" };
        var payload = new System.Text.Json.Nodes.JsonObject
        {
            ["sub"] = userId,
            ["exp"] = now.AddMinutes(30).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["tId"] = "public",
            ["rsub"] = userId,
            ["sessionHandle"] = Guid.NewGuid().ToString(),
            ["refreshTokenHash1"] = new string('a', 64),
            ["parentRefreshTokenHash1"] = null,
            ["antiCsrfToken"] = null,
        };
        var signingInput = Jwt.Encode(header) + "." + Jwt.Encode(payload);
        var signature = rsa.SignData(System.Text.Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Jwt.Base64Url(signature);
    }

    /// <summary>A refresh token of the pre-2 format (<c>body.mac</c>) for <paramref name="sessionHandle"/>, MACed with <paramref name="secret"/>.</summary>
    public static string ForgeRefreshToken(byte[] secret, string sessionHandle)
    {
        var body = Jwt.Encode(new System.Text.Json.Nodes.JsonObject
        {
            ["sessionHandle"] = sessionHandle,
            ["parentRefreshTokenHash1"] = null,
            ["nonce"] = Jwt.Base64Url(RandomNumberGenerator.GetBytes(32)),
            ["antiCsrfToken"] = null,
        });
        return body + "." + Jwt.Base64Url(HMACSHA256.HashData(secret, System.Text.Encoding.ASCII.GetBytes(body)));
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
