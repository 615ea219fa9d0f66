using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class CookieModeTests
{
    [Fact]
    public async Task Create_with_auth_mode_cookie_sets_httponly_cookies_with_protocol_paths_and_no_token_headers()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        var response = await client.LoginAsync("u1");

        Assert.Null(response.Header("st-access-token"));
        Assert.Null(response.Header("st-refresh-token"));
        Assert.NotNull(response.Header("front-token"));
        var setCookies = response.SetCookies();
        var access = Assert.Single(setCookies, c => c.StartsWith("sAccessToken=", StringComparison.Ordinal));
        var refresh = Assert.Single(setCookies, c => c.StartsWith("sRefreshToken=", StringComparison.Ordinal));
        Assert.Contains("path=/;", access + ";");
        Assert.Contains("path=/auth/session/refresh", refresh);
        foreach (var cookie in new[] { access, refresh })
        {
            Assert.Contains("httponly", cookie);
            Assert.Contains("samesite=lax", cookie);
            Assert.DoesNotContain("secure", cookie);
            Assert.DoesNotContain("domain=", cookie);
        }

        // The access cookie lives a year, not as long as the JWT.
        var expires = DateTimeOffset.Parse(access.Split("expires=")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(364), DateTimeOffset.UtcNow.AddDays(366));
        var refreshExpires = DateTimeOffset.Parse(refresh.Split("expires=")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(refreshExpires, DateTimeOffset.UtcNow.AddDays(99), DateTimeOffset.UtcNow.AddDays(101));
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Https_api_domain_makes_cookies_secure_and_cookie_domain_is_lowercased()
    {
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.ApiDomain = "https://api.example.com";
            o.CookieDomain = ".Example.COM";
        });
        using var client = new CookieSession(server);
        var response = await client.LoginAsync("u1");

        var access = Assert.Single(response.SetCookies(), c => c.StartsWith("sAccessToken=", StringComparison.Ordinal));
        Assert.Contains("secure", access);
        Assert.Contains("domain=.example.com", access);
    }

    [Fact]
    public async Task Cookie_domain_localhost_is_never_written()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.CookieDomain = "localhost");
        using var client = new CookieSession(server);
        var response = await client.LoginAsync("u1");

        Assert.All(response.SetCookies(), c => Assert.DoesNotContain("domain=", c));
    }

    [Fact]
    public async Task Cross_site_website_defaults_to_samesite_none_and_custom_header_anti_csrf()
    {
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.ApiDomain = "https://api.example.com";
            o.WebsiteDomain = "https://example.org";
        });
        var settings = (Internal.SesameSettings)server.Services.GetService(typeof(Internal.SesameSettings))!;
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.None, settings.SameSite);
        Assert.Equal(AntiCsrfMode.ViaCustomHeader, settings.AntiCsrf);
    }

    [Fact]
    public async Task Same_site_website_defaults_to_lax_and_no_anti_csrf()
    {
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.ApiDomain = "https://api.example.com";
            o.WebsiteDomain = "https://www.example.com";
        });
        var settings = (Internal.SesameSettings)server.Services.GetService(typeof(Internal.SesameSettings))!;
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Lax, settings.SameSite);
        Assert.Equal(AntiCsrfMode.None, settings.AntiCsrf);
    }

    [Fact]
    public async Task Refresh_with_cookie_rotates_both_cookies_and_the_new_access_token_works()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(3), time);
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        var oldAccess = client.Cookie("sAccessToken");
        var oldRefresh = client.Cookie("sRefreshToken", "/auth/session/refresh");
        Assert.NotNull(oldRefresh);
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal("try refresh token", await (await client.SendAsync(HttpMethod.Get, "/")).MessageAsync());
        var refresh = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.NotEqual(oldAccess, client.Cookie("sAccessToken"));
        Assert.NotEqual(oldRefresh, client.Cookie("sRefreshToken", "/auth/session/refresh"));
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Sign_out_revokes_and_clears_cookies_with_front_token_remove()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        var response = await client.SendAsync(HttpMethod.Post, "/auth/signout");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"OK"}""", await response.BodyAsync());
        Assert.Equal("remove", response.Header("front-token"));
        var cleared = response.SetCookies();
        Assert.Contains(cleared, c => c.StartsWith("sAccessToken=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970 00:00:00 GMT"));
        Assert.Contains(cleared, c => c.StartsWith("sRefreshToken=;", StringComparison.Ordinal) && c.Contains("path=/auth/session/refresh"));
        Assert.Null(client.Cookie("sAccessToken"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_without_session_is_unauthorised_without_clearing()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        var response = await client.SendAsync(HttpMethod.Post, "/auth/signout");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorised", await response.MessageAsync());
        Assert.Null(response.Header("front-token"));
    }

    [Fact]
    public async Task Legacy_id_refresh_cookie_gives_try_refresh_and_refresh_removes_it()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        client.Cookies.Add(server.BaseAddress, new Cookie("sIdRefreshToken", "asdf", "/"));

        Assert.Equal("try refresh token", await (await client.SendAsync(HttpMethod.Get, "/")).MessageAsync());
        var refresh = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.Contains(refresh.SetCookies(), c => c.StartsWith("sIdRefreshToken=;", StringComparison.Ordinal));
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Two_access_token_cookies_give_try_refresh()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        var token = client.Cookie("sAccessToken");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", $"sAccessToken={token}; sAccessToken={token}");
        var response = await http.SendAsync(request);

        Assert.Equal("try refresh token", await response.MessageAsync());
    }

    [Fact]
    public async Task Header_mode_create_clears_existing_cookie_session()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = HeaderSession.Json(new System.Text.Json.Nodes.JsonObject { ["userId"] = "u2" }) };
        request.Headers.Add("st-auth-mode", "header");
        var response = await client.SendRawAsync(request);

        Assert.NotNull(response.Header("st-access-token"));
        Assert.Contains(response.SetCookies(), c => c.StartsWith("sAccessToken=;", StringComparison.Ordinal));
        Assert.NotEqual("remove", response.Header("front-token"));
    }
}

public sealed class CookieRefreshResponseTests
{
    [Fact]
    public async Task Refresh_response_sets_each_session_cookie_exactly_once_even_with_a_refreshed_access_cookie()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new CookieSession(server);
        await client.LoginAsync("u1");
        await client.RefreshAsync();                   // the access cookie now carries a parent hash
        var response = await client.RefreshAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Single(response.SetCookies(), c => c.StartsWith("sAccessToken=", StringComparison.Ordinal));
        Assert.Single(response.SetCookies(), c => c.StartsWith("sRefreshToken=", StringComparison.Ordinal));
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }
}

public sealed class TransferPrecedenceTests
{
    [Fact]
    public async Task Verify_prefers_a_valid_bearer_token_over_the_access_cookie()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var cookies = new CookieSession(server);
        await cookies.LoginAsync("cookie-user");
        using var headers = new HeaderSession(server);
        await headers.LoginAsync("header-user");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new("Bearer", headers.AccessToken);
        Assert.Equal("header-user", await (await cookies.SendRawAsync(request)).BodyAsync());
    }

    [Fact]
    public async Task Refresh_prefers_the_bearer_refresh_token_answers_in_headers_and_clears_the_refresh_cookie()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var cookies = new CookieSession(server);
        await cookies.LoginAsync("cookie-user");
        using var headers = new HeaderSession(server);
        await headers.LoginAsync("header-user");

        using var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
        request.Headers.Add("rid", "session");
        request.Headers.Authorization = new("Bearer", headers.RefreshToken);
        var response = await cookies.SendRawAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var access = response.Header("st-access-token");
        Assert.Equal("header-user", (string?)Jwt.Payload(access!)["sub"]);
        Assert.Contains(response.SetCookies(), c => c.StartsWith("sRefreshToken=;", StringComparison.Ordinal));
        Assert.NotEqual("remove", response.Header("front-token"));
        Assert.Equal("header-user", (string?)Jwt.FrontToken(response.Header("front-token")!)["uid"]);
    }
}
