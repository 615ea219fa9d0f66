using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class AntiCsrfAndStatusTests
{
    [Fact]
    public async Task Via_token_create_sends_anti_csrf_header_and_claim_and_post_needs_it()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.AntiCsrf = AntiCsrfMode.ViaToken);
        using var client = new CookieSession(server);
        var login = await client.LoginAsync("u1");
        var token = login.Header("anti-csrf");
        Assert.NotNull(token);
        Assert.Contains("anti-csrf", login.Header("Access-Control-Expose-Headers"));
        Assert.Equal(token, (string?)Jwt.Payload(client.Cookie("sAccessToken")!)["antiCsrfToken"]);

        var withToken = await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"));
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);

        client.AntiCsrf = null;
        var without = await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"));
        Assert.Equal("try refresh token", await without.MessageAsync());

        client.AntiCsrf = "wrong";
        var wrong = await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"));
        Assert.Equal("try refresh token", await wrong.MessageAsync());

        // GET is not checked.
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Via_token_refresh_needs_the_token_in_the_refresh_token_else_unauthorised_and_cleared()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.AntiCsrf = AntiCsrfMode.ViaToken);
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        var good = client.AntiCsrf;
        client.AntiCsrf = "wrong";
        var refused = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("unauthorised", await refused.MessageAsync());
        Assert.Equal("remove", refused.Header("front-token"));

        await client.LoginAsync("u1");
        var refreshed = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.NotNull(refreshed.Header("anti-csrf"));
        Assert.NotEqual(good, refreshed.Header("anti-csrf"));
    }

    [Fact]
    public async Task Via_token_is_never_used_in_header_mode()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.AntiCsrf = AntiCsrfMode.ViaToken);
        using var client = new HeaderSession(server);
        var login = await client.LoginAsync("u1");
        Assert.Null(login.Header("anti-csrf"));
        Assert.Null(Jwt.Payload(client.AccessToken!)["antiCsrfToken"]);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task Via_custom_header_post_without_rid_gets_try_refresh_and_refresh_without_rid_is_unauthorised()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.AntiCsrf = AntiCsrfMode.ViaCustomHeader);
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"))).StatusCode);

        client.SendRid = false;
        Assert.Equal("try refresh token", await (await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"))).MessageAsync());
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        var refresh = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        Assert.Equal("remove", refresh.Header("front-token"));
    }

    [Fact]
    public async Task Anti_csrf_none_accepts_post_without_rid()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.AntiCsrf = AntiCsrfMode.None);
        using var client = new CookieSession(server) { SendRid = false };
        await client.LoginAsync("u1");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Session_expired_status_440_is_used_for_try_refresh_and_unauthorised()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.SessionExpiredStatusCode = 440, time);
        using var client = new HeaderSession(server);
        Assert.Equal(440, (int)(await client.SendAsync(HttpMethod.Get, "/")).StatusCode);
        Assert.Equal(440, (int)(await client.RefreshAsync()).StatusCode);

        await client.LoginAsync("u1");
        time.Advance(TimeSpan.FromHours(2));
        var expired = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(440, (int)expired.StatusCode);
        Assert.Equal("try refresh token", await expired.MessageAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Equal_expired_and_invalid_claim_status_codes_fail_at_start_up()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            SesameTestServer.StartAsync(o => o.SessionExpiredStatusCode = 403));
        Assert.Contains("must differ", error.ToString());
    }

    [Fact]
    public async Task Cors_expose_headers_are_not_duplicated_when_cors_policy_already_exposes_them()
    {
        await using var server = await SesameTestServer.StartAsync(new SesameTestServerSettings { CorsOrigins = ["http://localhost:8080"] });
        using var client = new HeaderSession(server);
        client.Http.DefaultRequestHeaders.Add("Origin", "http://localhost:8080");
        var response = await client.LoginAsync("u1");

        var exposed = response.Headers.GetValues("Access-Control-Expose-Headers")
            .SelectMany(v => v.Split(',')).Select(v => v.Trim().ToLowerInvariant()).ToList();
        Assert.Equal(exposed.Distinct().Count(), exposed.Count);
        Assert.Contains("front-token", exposed);
        Assert.Equal("http://localhost:8080", response.Header("Access-Control-Allow-Origin"));
    }
}
