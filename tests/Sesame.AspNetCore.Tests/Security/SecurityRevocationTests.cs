using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests.Security;

/// <summary>
/// Ending a session ends it at once on the instance that ended it (docs/security.md, finding 3): after sign-out, revoke, revoke-all or
/// theft detection, no access token of the session is accepted any more, whether it was verified before (the verified-token cache),
/// is a refreshed child token whose promotion this instance remembers (the promoted-token cache), or was never seen; and no request
/// gets a fresh token for it. Real Kestrel, real SQLite, the protocol spoken by hand in header mode.
/// </summary>
public sealed class SecurityRevocationTests
{
    /// <summary>
    /// Every access token a client of the session may hold: the login token, a refreshed child token whose promotion this instance
    /// performed (and remembers), and the fresh token that promotion minted; plus both refresh tokens.
    /// </summary>
    private sealed record SessionTokens(string LoginAccess, string LoginRefresh, string Child, string ChildRefresh, string Fresh, string Handle)
    {
        public IEnumerable<(string Name, string Token)> AccessTokens => [("child", Child), ("fresh", Fresh), ("login", LoginAccess)];
    }

    private static async Task<(SesameTestServer Server, HeaderSession Client, SessionTokens Tokens)> StartWithPromotedSessionAsync(
        Action<SesameServerOptions>? configure = null, TimeProvider? time = null)
    {
        var server = await SesameTestServer.StartAsync(configure, time);
        var client = new HeaderSession(server);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("victim")).StatusCode);
        var loginAccess = client.AccessToken!;
        var loginRefresh = client.RefreshToken!;
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        var child = client.AccessToken!;
        var childRefresh = client.RefreshToken!;

        // First use of the child token: promoted here, and answered with a fresh token that this instance now remembers for it.
        using var promoted = await GetAsync(server, child);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var fresh = promoted.Header("st-access-token")!;
        Assert.NotEqual(child, fresh);

        // Each is known to this instance: verified once (the verified-token cache), the child's promotion remembered.
        foreach (var token in new[] { loginAccess, child, fresh })
        {
            using var ok = await GetAsync(server, token);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var handle = (string)Jwt.Payload(loginAccess)["sessionHandle"]!;
        return (server, client, new SessionTokens(loginAccess, loginRefresh, child, childRefresh, fresh, handle));
    }

    private static async Task<HttpResponseMessage> GetAsync(SesameTestServer server, string accessToken)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request);
    }

    private static async Task AssertNoTokenIsAcceptedAsync(SesameTestServer server, SessionTokens tokens)
    {
        foreach (var (name, token) in tokens.AccessTokens)
        {
            using var response = await GetAsync(server, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                $"the {name} access token got {(int)response.StatusCode} after the session ended");
            Assert.True(string.IsNullOrEmpty(response.Header("st-access-token")),
                $"the {name} access token was answered with a new access token after the session ended");
        }

        foreach (var refreshToken in new[] { tokens.LoginRefresh, tokens.ChildRefresh })
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
            request.Headers.Add("rid", "session");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshToken);
            using var refresh = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
            Assert.True(string.IsNullOrEmpty(refresh.Header("st-access-token")));
        }
    }

    [Fact]
    public async Task Security_after_sign_out_no_access_token_of_the_session_is_accepted_or_answered_with_a_new_one()
    {
        var (server, client, tokens) = await StartWithPromotedSessionAsync();
        await using var _ = server;
        using var __ = client;

        // The client signs out with the child token (its other requests, answered with the fresh token, are still in flight).
        client.AccessToken = tokens.Child;
        using var signOut = await client.SendAsync(HttpMethod.Post, "/auth/signout");
        Assert.Equal(HttpStatusCode.OK, signOut.StatusCode);

        await AssertNoTokenIsAcceptedAsync(server, tokens);
    }

    [Fact]
    public async Task Security_after_RevokeSessionAsync_no_access_token_of_the_session_is_accepted_or_answered_with_a_new_one()
    {
        var (server, client, tokens) = await StartWithPromotedSessionAsync();
        await using var _ = server;
        using var __ = client;

        Assert.True(await server.Services.GetRequiredService<ISessionService>().RevokeSessionAsync(tokens.Handle));

        await AssertNoTokenIsAcceptedAsync(server, tokens);
    }

    [Fact]
    public async Task Security_after_revoke_all_no_access_token_of_the_users_sessions_is_accepted_or_answered_with_a_new_one()
    {
        var (server, client, tokens) = await StartWithPromotedSessionAsync();
        await using var _ = server;
        using var __ = client;
        using var other = new HeaderSession(server);
        await other.LoginAsync("victim");
        var otherAccess = other.AccessToken!;
        using var bystander = new HeaderSession(server);
        await bystander.LoginAsync("bystander");

        client.AccessToken = tokens.Fresh;
        using var revokeAll = await client.SendAsync(HttpMethod.Post, "/revokeAll");
        Assert.Equal(HttpStatusCode.OK, revokeAll.StatusCode);

        await AssertNoTokenIsAcceptedAsync(server, tokens);
        using (var response = await GetAsync(server, otherAccess))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Another user's session is untouched.
        using var untouched = await bystander.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.OK, untouched.StatusCode);
    }

    [Fact]
    public async Task Security_after_theft_detection_no_access_token_of_the_session_is_accepted_or_answered_with_a_new_one()
    {
        var (server, client, tokens) = await StartWithPromotedSessionAsync();
        await using var _ = server;
        using var __ = client;

        // The login refresh token was superseded when the child was promoted: presenting it again is theft, and revokes the session.
        using var theft = await client.RefreshAsync(tokens.LoginRefresh);
        Assert.Equal(HttpStatusCode.Unauthorized, theft.StatusCode);
        Assert.Equal("token theft detected", await theft.MessageAsync());
        Assert.Equal(1, server.TheftDetectedCount);

        await AssertNoTokenIsAcceptedAsync(server, tokens);
    }

    [Fact]
    public async Task Security_after_sign_out_in_cookie_mode_replayed_cookies_get_401_and_no_new_cookie()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("victim");
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        var child = client.Cookie("sAccessToken")!;
        using (var promote = await client.SendAsync(HttpMethod.Get, "/"))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        var fresh = client.Cookie("sAccessToken")!;
        Assert.NotEqual(child, fresh);
        using (var signOut = await client.SendAsync(HttpMethod.Post, "/auth/signout"))
        {
            Assert.Equal(HttpStatusCode.OK, signOut.StatusCode);
        }

        // An attacker (or a stale tab) replays the cookies captured before the sign-out.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        foreach (var token in new[] { child, fresh })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("Cookie", "sAccessToken=" + token);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain(response.SetCookies(), c => c.StartsWith("sAccessToken=", StringComparison.Ordinal) && !c.StartsWith("sAccessToken=;", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Security_an_access_token_never_outlives_its_session()
    {
        // A session shorter than an access token (an app's choice): its tokens must still end with the session.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (server, client, tokens) = await StartWithPromotedSessionAsync(o =>
        {
            o.AccessTokenLifetime = TimeSpan.FromMinutes(10);
            o.RefreshTokenLifetime = TimeSpan.FromMinutes(1);
        }, time);
        await using var _ = server;
        using var __ = client;

        time.Advance(TimeSpan.FromMinutes(2));

        foreach (var (name, token) in tokens.AccessTokens)
        {
            using var response = await GetAsync(server, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                $"the {name} access token got {(int)response.StatusCode} after its session expired");
            Assert.True(string.IsNullOrEmpty(response.Header("st-access-token")),
                $"the {name} access token was answered with a new access token after its session expired");
            var exp = (long)Jwt.Payload(token)["exp"]!;
            Assert.True(exp <= time.GetUtcNow().ToUnixTimeSeconds(), $"the {name} access token expires after its session");
        }

        using var refresh = await client.RefreshAsync(tokens.ChildRefresh);
        Assert.Equal("unauthorised", await refresh.MessageAsync());
    }
}
