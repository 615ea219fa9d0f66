using System.Net;
using System.Text.Json;

namespace Sesame.Storage.Tests;

/// <summary>
/// Three server instances on one PostgreSQL database, addressed token by token (raw protocol in header mode), for the
/// races and replays that must be decided by the database and not by any one instance.
/// </summary>
public sealed class PostgreSqlMultiInstanceTests
{
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(10);

    private static Task<PostgreSqlServerCluster> StartClusterAsync() =>
        PostgreSqlServerCluster.StartAsync((_, options) => options.AccessTokenLifetime = AccessTokenLifetime);

    [Fact]
    public async Task PostgreSql_the_same_refresh_token_racing_on_all_instances_is_never_taken_for_theft()
    {
        await using var cluster = await StartClusterAsync();
        var tokens = await RawSession.LoginAsync(cluster.Servers[0], "racer");

        for (var round = 0; round < 12; round++)
        {
            // Every instance gets the same token at once. In round 0 it is the current token (no write); later it
            // is an unpromoted child, so the instances race to promote it: one compare-and-set wins, the others
            // re-read the row, find the token current, and must answer 200 as well.
            var answers = await Task.WhenAll(cluster.Servers.Select(s => RawSession.RefreshAsync(s, tokens.RefreshToken)));

            Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, $"round {round}: {RawSession.Describe(a)}"));
            tokens = answers[round % answers.Length].Tokens!;
        }

        // The access token of the last child promotes on first use, raced on every instance too.
        var gets = await Task.WhenAll(cluster.Servers.Select(s => RawSession.GetAsync(s, tokens.AccessToken)));
        Assert.All(gets, g => Assert.Equal(HttpStatusCode.OK, g.Status));
        Assert.Equal(0, cluster.TheftDetectedCount);
        Assert.Equal(36, cluster.RefreshCalledCount);
        Assert.NotNull(await cluster.Store.FindAsync(SessionHandleOf(tokens), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PostgreSql_a_replayed_old_refresh_token_on_any_instance_revokes_the_session_everywhere(int replayOn)
    {
        await using var cluster = await StartClusterAsync();
        var s = cluster.Servers;
        var first = await RawSession.LoginAsync(s[0], "victim");
        var second = (await RawSession.RefreshAsync(s[1], first.RefreshToken)).Tokens!;
        var third = (await RawSession.RefreshAsync(s[2], second.RefreshToken)).Tokens!; // promotes the second token
        Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(s[0], third.AccessToken)).Status); // promotes the third

        var replay = await RawSession.RefreshAsync(s[replayOn], first.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, replay.Status);
        Assert.Contains("token theft detected", replay.Body, StringComparison.Ordinal);
        Assert.Equal(1, cluster.TheftDetectedCount);
        Assert.Null(await cluster.Store.FindAsync(SessionHandleOf(third), TestContext.Current.CancellationToken));
        foreach (var server in s)
        {
            var refresh = await RawSession.RefreshAsync(server, third.RefreshToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.Status);
            Assert.Contains("unauthorised", refresh.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PostgreSql_a_key_rotation_on_one_instance_is_verified_by_the_others_and_logs_nobody_out()
    {
        await using var cluster = await PostgreSqlServerCluster.StartAsync((_, options) =>
        {
            options.AccessTokenLifetime = TimeSpan.FromHours(1);
            options.SigningKeyRotationInterval = TimeSpan.FromDays(7);
        });
        var s = cluster.Servers;
        var early = await RawSession.LoginAsync(s[0], "early");
        var oldKey = early.KeyId;

        // Just before the rotation is due: a session whose access token is signed with the old key and stays valid.
        cluster.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5));
        var late = await RawSession.LoginAsync(s[2], "late");
        Assert.Equal(oldKey, late.KeyId);

        // Due now: the first instance that signs (instance 1, refreshing) makes the new key.
        cluster.Time.Advance(TimeSpan.FromMinutes(10));
        var refreshed = (await RawSession.RefreshAsync(s[1], early.RefreshToken)).Tokens!;
        Assert.NotEqual(oldKey, refreshed.KeyId);

        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, refreshed.AccessToken)).Status);
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, late.AccessToken)).Status);
            var jwks = await JwksKeyIdsAsync(server);
            Assert.Contains(oldKey, jwks);
            Assert.Contains(refreshed.KeyId, jwks);
        }

        var keys = await cluster.Store.GetSigningKeysAsync(TestContext.Current.CancellationToken);
        Assert.Equal([refreshed.KeyId, oldKey], keys.Where(k => k.Algorithm == "RS256").Select(k => k.KeyId));
    }

    private static async Task<IReadOnlyList<string>> JwksKeyIdsAsync(Sesame.Testing.Server.SesameTestServer server)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(server.BaseAddress, server.Options.ApiBasePath.TrimEnd('/') + "/jwt/jwks.json"),
            TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }

    internal static string SessionHandleOf(RawTokens tokens)
    {
        var payload = tokens.AccessToken.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var json = JsonDocument.Parse(Convert.FromBase64String(payload));
        return json.RootElement.GetProperty("sessionHandle").GetString()!;
    }
}
