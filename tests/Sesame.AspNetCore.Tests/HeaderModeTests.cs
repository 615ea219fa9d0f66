using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class HeaderModeTests
{
    [Fact]
    public async Task Create_without_auth_mode_header_sends_tokens_in_headers_and_no_cookies()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = HeaderSession.Json(new JsonObject { ["userId"] = "u1" }) };
        var response = await client.SendRawAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("u1", await response.BodyAsync());
        Assert.NotNull(client.AccessToken);
        Assert.NotNull(client.RefreshToken);
        Assert.Empty(response.SetCookies());
        var exposed = response.Header("Access-Control-Expose-Headers")!;
        Assert.Contains("st-access-token", exposed);
        Assert.Contains("st-refresh-token", exposed);
        Assert.Contains("front-token", exposed);
    }

    [Fact]
    public async Task Access_token_has_v5_header_and_claims_in_core_order()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.ApiDomain = "https://api.example.com");
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1", new JsonObject { ["role"] = "admin" });

        var header = Jwt.Header(client.AccessToken!);
        Assert.Equal(["alg", "kid", "typ", "version"], header.Select(p => p.Key).Order());
        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal("JWT", (string?)header["typ"]);
        Assert.Equal("5", (string?)header["version"]);
        Assert.StartsWith("d-", (string?)header["kid"]);

        var payload = Jwt.Payload(client.AccessToken!);
        Assert.Equal(
            ["sub", "exp", "iat", "tId", "rsub", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken", "role", "iss"],
            payload.Select(p => p.Key));
        Assert.Equal("u1", (string?)payload["sub"]);
        Assert.Equal("u1", (string?)payload["rsub"]);
        Assert.Equal("public", (string?)payload["tId"]);
        Assert.Null(payload["parentRefreshTokenHash1"]);
        Assert.Null(payload["antiCsrfToken"]);
        Assert.Equal("admin", (string?)payload["role"]);
        Assert.Equal("https://api.example.com/auth", (string?)payload["iss"]);
        Assert.Equal(3600, (long)payload["exp"]! - (long)payload["iat"]!);
    }

    [Fact]
    public async Task Refresh_token_hash_claim_is_sha256_hex_of_the_refresh_token()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");

        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(client.RefreshToken!))).ToLowerInvariant();
        Assert.Equal(expected, (string?)Jwt.Payload(client.AccessToken!)["refreshTokenHash1"]);
    }

    [Fact]
    public async Task Front_token_is_padded_base64_of_uid_ate_and_the_whole_payload()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("łukasz 馬 / 马", new JsonObject { ["k"] = "łukasz 馬 / 马" });

        Assert.Equal(0, client.FrontToken!.Length % 4);
        var front = Jwt.FrontToken(client.FrontToken);
        var payload = Jwt.Payload(client.AccessToken!);
        Assert.Equal("łukasz 馬 / 马", (string?)front["uid"]);
        Assert.Equal((long)payload["exp"]! * 1000, (long)front["ate"]!);
        Assert.True(JsonNode.DeepEquals(payload, front["up"]));
        Assert.Equal("łukasz 馬 / 马", (string?)front["up"]!["k"]);
    }

    [Fact]
    public async Task Protected_route_without_token_answers_401_unauthorised_without_clearing()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        var response = await client.SendAsync(HttpMethod.Get, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorised", await response.MessageAsync());
        Assert.Null(response.Header("front-token"));
        Assert.Equal(0, server.GetSessionCalledCount);
    }

    [Fact]
    public async Task Expired_access_token_gets_try_refresh_then_refresh_gives_working_tokens()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(3), time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        time.Advance(TimeSpan.FromSeconds(5));

        var expired = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("try refresh token", await expired.MessageAsync());
        Assert.Null(expired.Header("front-token"));

        var oldRefresh = client.RefreshToken;
        var refresh = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.Equal("{}", await refresh.BodyAsync());
        Assert.NotNull(refresh.Header("front-token"));
        Assert.NotEqual(oldRefresh, client.RefreshToken);
        Assert.Equal(1, server.RefreshCalledCount);

        var again = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal("u1", await again.BodyAsync());
        Assert.Equal(1, server.GetSessionCalledCount);
    }

    [Fact]
    public async Task Refresh_without_refresh_token_is_unauthorised_and_clears_all()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        var response = await client.RefreshAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorised", await response.MessageAsync());
        Assert.Equal("remove", response.Header("front-token"));
        Assert.Equal(string.Empty, response.Header("st-access-token"));
        Assert.Contains(response.SetCookies(), c => c.StartsWith("sRefreshToken=;", StringComparison.Ordinal));
        Assert.Equal(1, server.RefreshAttemptedCount);
        Assert.Equal(0, server.RefreshCalledCount);
    }

    [Fact]
    public async Task Foreign_bearer_token_is_ignored_and_cookie_session_is_used()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var cookies = new CookieSession(server);
        await cookies.LoginAsync("cookie-user");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new("Bearer", "myOwnHehe");
        var response = await cookies.SendRawAsync(request);

        Assert.Equal("cookie-user", await response.BodyAsync());
    }

    [Fact]
    public async Task Options_and_anonymous_routes_work_with_broken_tokens()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server) { AccessToken = "broken" };
        Assert.Equal("success", await (await client.SendAsync(HttpMethod.Get, "/ping")).BodyAsync());
        var testing = await client.SendAsync(HttpMethod.Put, "/testing");
        Assert.Equal("success", await testing.BodyAsync());
        var missing = await client.SendAsync(HttpMethod.Get, "/fail");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(string.Empty, await missing.BodyAsync());
    }
}
