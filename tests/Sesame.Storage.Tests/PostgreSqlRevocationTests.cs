using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Sesame.Storage.Tests;

/// <summary>
/// Ending a session on PostgreSQL with several instances (docs/security.md, finding 3): the instance that ends it refuses every access
/// token of the session at once; the others, whose verification is stateless, accept an access token without a parent hash until it
/// expires (as the protocol allows) but never hand out a new one from memory once the promotion's short reuse window has passed.
/// </summary>
public sealed class PostgreSqlRevocationTests
{
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(10);

    private static Task<PostgreSqlServerCluster> StartClusterAsync() =>
        PostgreSqlServerCluster.StartAsync((_, options) => options.AccessTokenLifetime = AccessTokenLifetime, count: 2);

    /// <summary>Login and refresh on instance 0; the child access token promoted on <paramref name="promoteOn"/>.</summary>
    private static async Task<(RawTokens Login, RawTokens Child, string Fresh)> PromotedSessionAsync(PostgreSqlServerCluster cluster, int promoteOn)
    {
        var s = cluster.Servers;
        var login = await RawSession.LoginAsync(s[0], "victim");
        var child = (await RawSession.RefreshAsync(s[0], login.RefreshToken)).Tokens!;
        var promoted = await RawSession.GetAsync(s[promoteOn], child.AccessToken);
        Assert.Equal(HttpStatusCode.OK, promoted.Status);
        Assert.False(string.IsNullOrEmpty(promoted.NewAccessToken));
        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, login.AccessToken)).Status);
            Assert.Equal(HttpStatusCode.OK, (await RawSession.GetAsync(server, promoted.NewAccessToken!)).Status);
        }

        return (login, child, promoted.NewAccessToken!);
    }

    [Fact]
    public async Task Security_PostgreSql_after_sign_out_the_instance_refuses_every_access_token_of_the_session_and_mints_none()
    {
        await using var cluster = await StartClusterAsync();
        var s = cluster.Servers;
        var (login, child, fresh) = await PromotedSessionAsync(cluster, promoteOn: 0);

        using (var http = new HttpClient())
        using (var signOut = new HttpRequestMessage(HttpMethod.Post, new Uri(s[0].BaseAddress, "/auth/signout")))
        {
            signOut.Headers.Authorization = new("Bearer", child.AccessToken);
            using var response = await http.SendAsync(signOut, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var token in new[] { child.AccessToken, fresh, login.AccessToken })
        {
            var answer = await RawSession.GetAsync(s[0], token);
            Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
            Assert.True(string.IsNullOrEmpty(answer.NewAccessToken));
        }

        foreach (var server in s)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.RefreshAsync(server, child.RefreshToken)).Status);
        }
    }

    [Fact]
    public async Task Security_PostgreSql_a_session_revoked_on_one_instance_gets_no_token_from_another_instances_promotion_memory()
    {
        await using var cluster = await StartClusterAsync();
        var s = cluster.Servers;
        // Instance 1 promoted the child token and remembers the fresh token it minted for it.
        var (_, child, fresh) = await PromotedSessionAsync(cluster, promoteOn: 1);

        Assert.True(await s[0].Services.GetRequiredService<Sesame.AspNetCore.ISessionService>()
            .RevokeSessionAsync(PostgreSqlMultiInstanceTests.SessionHandleOf(child), TestContext.Current.CancellationToken));
        // Past the promotion's reuse window (seconds), well within the access tokens' lifetime.
        cluster.Time.Advance(TimeSpan.FromMinutes(1));

        // The child token still carries its parent hash, so instance 1 asks the store, which no longer has the session.
        var childOnOther = await RawSession.GetAsync(s[1], child.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, childOnOther.Status);
        Assert.True(string.IsNullOrEmpty(childOnOther.NewAccessToken));

        // What the protocol allows (verification is stateless): the other instance accepts a token without a parent hash until it
        // expires, and hands out nothing new for it. The instance that revoked refuses it at once.
        var freshOnOther = await RawSession.GetAsync(s[1], fresh);
        Assert.Equal(HttpStatusCode.OK, freshOnOther.Status);
        Assert.Null(freshOnOther.NewAccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.GetAsync(s[0], fresh)).Status);
        cluster.Time.Advance(AccessTokenLifetime);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RawSession.GetAsync(s[1], fresh)).Status);
    }
}
