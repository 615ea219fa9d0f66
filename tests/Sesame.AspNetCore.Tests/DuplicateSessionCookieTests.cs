using System.Net;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// A browser that kept the cookies of an older cookie domain sends each session cookie twice (docs/protocol/wire-format.md#cookies). The duplicates are made
/// the way the reference suite makes them: the same cookie name on a second path, which a real cookie container then sends as well.
/// </summary>
public sealed class DuplicateSessionCookieTests
{
    [Fact]
    public async Task Refresh_with_two_refresh_cookies_and_no_older_domain_answers_500_with_the_reference_message_and_changes_nothing()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = await LoginWithSecondRefreshCookieAsync(server);

        using var response = await client.RefreshAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.StartsWith("The request contains multiple session cookies.", await response.MessageAsync(), StringComparison.Ordinal);
        Assert.Empty(response.SetCookies());
        Assert.Null(response.Header("front-token"));

        // Nothing was revoked or rotated: with one cookie again, the same refresh token still refreshes.
        client.Cookies.Add(new Cookie("sRefreshToken", string.Empty, "/", server.BaseAddress.Host) { Expired = true });
        using var retry = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Refresh_with_two_access_cookies_and_no_older_domain_answers_500()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        client.Cookies.Add(new Cookie("sAccessToken", client.Cookie("sAccessToken")!, "/auth", server.BaseAddress.Host));

        using var response = await client.RefreshAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.StartsWith("The request contains multiple session cookies.", await response.MessageAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_with_duplicates_and_an_older_domain_clears_that_domains_cookies_then_the_next_refresh_works()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.OlderCookieDomain = ".Old.Example.com");
        using var client = await LoginWithSecondRefreshCookieAsync(server);

        using var response = await client.RefreshAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(await response.MessageAsync());
        Assert.Null(response.Header("front-token"));
        var cleared = response.SetCookies();
        Assert.Equal(2, cleared.Count);
        var access = Assert.Single(cleared, c => c.StartsWith("sAccessToken=;", StringComparison.Ordinal));
        var refresh = Assert.Single(cleared, c => c.StartsWith("sRefreshToken=;", StringComparison.Ordinal));
        foreach (var cookie in new[] { access, refresh })
        {
            Assert.Contains("domain=.old.example.com", cookie, StringComparison.Ordinal);
            Assert.Contains("expires=Thu, 01 Jan 1970", cookie, StringComparison.Ordinal);
            Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        }

        Assert.Contains("path=/;", access + ";", StringComparison.Ordinal);
        Assert.Contains("path=/auth/session/refresh", refresh, StringComparison.Ordinal);

        // The browser drops the old domain's cookies; here the stand-in duplicate goes, and the session refreshes normally.
        client.Cookies.Add(new Cookie("sRefreshToken", string.Empty, "/", server.BaseAddress.Host) { Expired = true });
        using var retry = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.NotNull(retry.Header("front-token"));
    }

    [Fact]
    public async Task An_empty_older_domain_clears_host_only_cookies()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.OlderCookieDomain = string.Empty);
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        client.Cookies.Add(new Cookie("sAccessToken", client.Cookie("sAccessToken")!, "/auth", server.BaseAddress.Host));

        using var response = await client.RefreshAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, response.SetCookies().Count);
        Assert.All(response.SetCookies(), c => Assert.DoesNotContain("domain=", c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_header_mode_refresh_is_not_affected_by_duplicate_cookies_riding_along()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        using var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
        request.Headers.Add("Authorization", "Bearer " + client.RefreshToken);
        request.Headers.Add("rid", "session");
        request.Headers.Add("Cookie", "sRefreshToken=a; sRefreshToken=b");

        using var response = await client.SendRawAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Header("st-access-token"));
    }

    /// <summary>A cookie-mode login whose refresh cookie the container then also holds on path <c>/</c>, so a refresh sends it twice.</summary>
    private static async Task<CookieSession> LoginWithSecondRefreshCookieAsync(SesameTestServer server)
    {
        var client = new CookieSession(server);
        await client.LoginAsync("u1");
        var refreshToken = client.Cookie("sRefreshToken", "/auth/session/refresh")!;
        client.Cookies.Add(new Cookie("sRefreshToken", refreshToken, "/", server.BaseAddress.Host));
        return client;
    }
}
