using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests.Internal;

/// <summary>The client's cookie jar: domain, path, expiry and replacement rules, and the cached Cookie header.</summary>
public sealed class CookieJarTests
{
    [Fact]
    public void Cookie_jar_respects_domain_path_expiry_and_replacement()
    {
        var now = DateTimeOffset.UtcNow;
        var jar = CookieJar.Apply([], new Uri("http://api.example.com/auth/login"), Values(
            "a=1; Path=/; HttpOnly",
            "r=2; Path=/auth/session/refresh",
            "d=3; Domain=.example.com; Path=/",
            "x=4; Domain=other.com",
            "gone=5; Max-Age=0",
            "rel=6"), now);

        Assert.Equal("a=1; d=3", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/"), now));
        Assert.Equal("r=2; rel=6; a=1; d=3", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/auth/session/refresh"), now));
        Assert.Equal("d=3", CookieJar.BuildHeader(jar, new Uri("http://www.example.com/"), now));
        Assert.Contains(jar, c => c.Name == "rel" && c.Path == "/auth");

        jar = CookieJar.Apply(jar, new Uri("http://api.example.com/"), Values("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", "d=9; Domain=example.com; Path=/"), now);
        Assert.Equal("d=9", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/"), now));
        Assert.Null(CookieJar.BuildHeader(CookieJar.Apply([], new Uri("http://h/"), Values("s=1; Expires=" + now.AddSeconds(5).ToString("r")), now), new Uri("http://h/"), now.AddSeconds(6)));
    }

    [Fact]
    public void Cookie_jar_header_of_a_snapshot_is_reused_for_the_same_cookies_and_rebuilt_when_the_match_changes()
    {
        var now = DateTimeOffset.UtcNow;
        var tokens = new SessionTokens
        {
            Cookies = CookieJar.Apply([], new Uri("http://api.example.com/auth/login"), Values(
                "a=1; Path=/", "r=2; Path=/auth/session/refresh", "s=3; Path=/; Expires=" + now.AddSeconds(5).ToString("r")), now),
        };

        var first = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/orders"), now);
        var second = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/items?x=1"), now);
        var refresh = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/auth/session/refresh"), now);
        var afterExpiry = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/orders"), now.AddSeconds(6));

        Assert.Equal("a=1; s=3", first);
        Assert.Same(first, second);
        Assert.Equal("r=2; a=1; s=3", refresh);
        Assert.Equal("a=1", afterExpiry);
        Assert.Null(CookieJar.BuildHeader(tokens, new Uri("http://other.example.org/"), now));
        Assert.Null((tokens with { AccessToken = "x" }).CookieHeaderCache);
    }

    [Fact]
    public void Cookie_jar_domain_localhost_from_loopback_ip_kept_as_host_only()
    {
        var now = DateTimeOffset.UtcNow;
        var jar = CookieJar.Apply([], new Uri("http://127.0.0.1:8888/login"), Values("sIdRefreshToken=abc; Domain=localhost; Path=/"), now);
        var cookie = Assert.Single(jar);
        Assert.True(cookie.HostOnly);
        Assert.Equal("127.0.0.1", cookie.Domain);
    }

    private static HeaderStringValues Values(params string[] setCookies)
    {
        using var response = new HttpResponseMessage();
        foreach (var value in setCookies)
        {
            response.Headers.TryAddWithoutValidation("Set-Cookie", value);
        }

        response.Headers.NonValidated.TryGetValues("Set-Cookie", out var values);
        return values;
    }
}
