using Sesame.Client.Internal;

namespace Sesame.Client.Tests;

/// <summary>
/// The official client's normalisation of <c>apiBasePath</c>, <c>apiDomain</c> and <c>sessionTokenBackendDomain</c>, case for case
/// (the cases of its own configuration tests; its tests run on the page <c>localhost.org</c>, written out here).
/// </summary>
public sealed class UrlNormalisationTests
{
    [Theory]
    [InlineData("exists?email=john.doe%40gmail.com", "/exists")]
    [InlineData("/auth/email/exists?email=john.doe%40gmail.com", "/auth/email/exists")]
    [InlineData("exists", "/exists")]
    [InlineData("/exists", "/exists")]
    [InlineData("/exists?email=john.doe%40gmail.com", "/exists")]
    [InlineData("http://api.example.com", "")]
    [InlineData("https://api.example.com", "")]
    [InlineData("http://api.example.com?hello=1", "")]
    [InlineData("http://api.example.com/hello", "/hello")]
    [InlineData("http://api.example.com/", "")]
    [InlineData("http://api.example.com:8080", "")]
    [InlineData("http://api.example.com#random2", "")]
    [InlineData("api.example.com/", "")]
    [InlineData("api.example.com#random", "")]
    [InlineData(".example.com", "")]
    [InlineData("api.example.com/?hello=1&bye=2", "")]
    [InlineData("localhost.org", "")]
    [InlineData("http://api.example.com/one/two", "/one/two")]
    [InlineData("http://1.2.3.4/one/two", "/one/two")]
    [InlineData("1.2.3.4/one/two", "/one/two")]
    [InlineData("https://api.example.com/one/two/", "/one/two")]
    [InlineData("http://api.example.com/one/two?hello=1", "/one/two")]
    [InlineData("http://api.example.com/hello/", "/hello")]
    [InlineData("http://api.example.com/one/two/", "/one/two")]
    [InlineData("http://api.example.com:8080/one/two", "/one/two")]
    [InlineData("http://api.example.com/one/two#random2", "/one/two")]
    [InlineData("api.example.com/one/two", "/one/two")]
    [InlineData("api.example.com/one/two/#random", "/one/two")]
    [InlineData(".example.com/one/two", "/one/two")]
    [InlineData("api.example.com/one/two?hello=1&bye=2", "/one/two")]
    [InlineData("localhost.org/one/two", "/one/two")]
    [InlineData("/one/two", "/one/two")]
    [InlineData("one/two", "/one/two")]
    [InlineData("one/two/", "/one/two")]
    [InlineData("/one", "/one")]
    [InlineData("one", "/one")]
    [InlineData("one/", "/one")]
    [InlineData("/one/two/", "/one/two")]
    [InlineData("/one/two?hello=1", "/one/two")]
    [InlineData("one/two?hello=1", "/one/two")]
    [InlineData("/one/two/#random", "/one/two")]
    [InlineData("one/two#random", "/one/two")]
    [InlineData("localhost:4000/one/two", "/one/two")]
    [InlineData("127.0.0.1:4000/one/two", "/one/two")]
    [InlineData("127.0.0.1/one/two", "/one/two")]
    [InlineData("https://127.0.0.1:80/one/two", "/one/two")]
    [InlineData("/", "")]
    [InlineData("", "")]
    [InlineData("  /auth  ", "/auth")]
    [InlineData("/.netlify/functions/api", "/.netlify/functions/api")]
    [InlineData("/netlify/.functions/api", "/netlify/.functions/api")]
    [InlineData("app.example.com/.netlify/functions/api", "/.netlify/functions/api")]
    [InlineData("app.example.com/netlify/.functions/api", "/netlify/.functions/api")]
    [InlineData("/app.example.com", "/app.example.com")]
    public void Api_base_path_is_normalised_as_the_official_client_does(string input, string expected) =>
        Assert.Equal(expected, UrlNormalizer.NormalizePath(input));

    [Theory]
    [InlineData("http://api.example.com", "http://api.example.com")]
    [InlineData("https://api.example.com", "https://api.example.com")]
    [InlineData("http://api.example.com?hello=1", "http://api.example.com")]
    [InlineData("http://api.example.com/hello", "http://api.example.com")]
    [InlineData("http://api.example.com/", "http://api.example.com")]
    [InlineData("http://api.example.com:8080", "http://api.example.com:8080")]
    [InlineData("http://api.example.com#random2", "http://api.example.com")]
    [InlineData("api.example.com/", "https://api.example.com")]
    [InlineData("api.example.com", "https://api.example.com")]
    [InlineData("api.example.com#random", "https://api.example.com")]
    [InlineData(".example.com", "https://example.com")]
    [InlineData("api.example.com/?hello=1&bye=2", "https://api.example.com")]
    [InlineData("localhost.org", "http://localhost.org")]
    [InlineData("localhost", "http://localhost")]
    [InlineData("https://localhost", "https://localhost")]
    [InlineData("http://api.example.com/one/two", "http://api.example.com")]
    [InlineData("http://1.2.3.4/one/two", "http://1.2.3.4")]
    [InlineData("https://1.2.3.4/one/two", "https://1.2.3.4")]
    [InlineData("1.2.3.4/one/two", "http://1.2.3.4")]
    [InlineData("https://api.example.com/one/two/", "https://api.example.com")]
    [InlineData("http://api.example.com/one/two?hello=1", "http://api.example.com")]
    [InlineData("http://api.example.com/one/two#random2", "http://api.example.com")]
    [InlineData("api.example.com/one/two", "https://api.example.com")]
    [InlineData("api.example.com/one/two/#random", "https://api.example.com")]
    [InlineData(".example.com/one/two", "https://example.com")]
    [InlineData("localhost.org/one/two", "http://localhost.org")]
    [InlineData("localhost:4000", "http://localhost:4000")]
    [InlineData("127.0.0.1:4000", "http://127.0.0.1:4000")]
    [InlineData("127.0.0.1", "http://127.0.0.1")]
    [InlineData("https://127.0.0.1:80/", "https://127.0.0.1:80")]
    [InlineData("http://localhost.org:8080", "http://localhost.org:8080")]
    public void Api_domain_is_normalised_as_the_official_client_does(string input, string expected)
    {
        Assert.True(UrlNormalizer.TryNormalizeDomain(input, out var domain));
        Assert.Equal(expected, domain.GetLeftPart(UriPartial.Authority));
    }

    [Theory]
    [InlineData("/one/two")]
    [InlineData("/.netlify/functions/api")]
    [InlineData("")]
    [InlineData("api")]
    public void Api_domain_without_a_domain_is_refused(string input) => Assert.False(UrlNormalizer.TryNormalizeDomain(input, out _));

    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("http://api.example.com", "api.example.com")]
    [InlineData("https://api.example.com", "api.example.com")]
    [InlineData("http://api.example.com?hello=1", "api.example.com")]
    [InlineData("http://api.example.com/hello", "api.example.com")]
    [InlineData("http://api.example.com/", "api.example.com")]
    [InlineData("http://api.example.com:8080", "api.example.com")]
    [InlineData("http://api.example.com#random2", "api.example.com")]
    [InlineData("api.example.com/", "api.example.com")]
    [InlineData("api.example.com#random", "api.example.com")]
    [InlineData("example.com", "example.com")]
    [InlineData("api.example.com/?hello=1&bye=2", "api.example.com")]
    [InlineData("localhost.org", "localhost.org")]
    [InlineData("localhost", "localhost")]
    [InlineData("localhost:8080", "localhost")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData(".api.example.com", ".api.example.com")]
    [InlineData(".api.example.com/", ".api.example.com")]
    [InlineData(".api.example.com#random", ".api.example.com")]
    [InlineData(".example.com", ".example.com")]
    [InlineData(".api.example.com/?hello=1&bye=2", ".api.example.com")]
    [InlineData(".localhost", "localhost")]
    [InlineData(".localhost:8080", "localhost")]
    [InlineData(".localhost.org", ".localhost.org")]
    [InlineData(".127.0.0.1", "127.0.0.1")]
    public void Session_token_backend_domain_is_normalised_as_the_official_client_does(string input, string expected)
    {
        Assert.True(UrlNormalizer.TryNormalizeSessionScope(input, out var scope));
        Assert.Equal(expected, scope);
    }

    [Fact]
    public void Session_token_backend_domain_without_a_host_is_refused() => Assert.False(UrlNormalizer.TryNormalizeSessionScope("http://", out _));

    [Theory]
    [InlineData("api.example.com/one/two", "one/two/#r", "https://api.example.com/one/two/session/refresh", "https://api.example.com/one/two/signout")]
    [InlineData("https://api.example.com", "exists?email=a%40b.c", "https://api.example.com/exists/session/refresh", "https://api.example.com/exists/signout")]
    [InlineData("http://localhost:3000", "api.example.com/one/two", "http://localhost:3000/one/two/session/refresh", "http://localhost:3000/one/two/signout")]
    [InlineData("example.com", "/", "https://example.com/session/refresh", "https://example.com/signout")]
    public void Refresh_and_sign_out_urls_follow_the_normalised_options(string domain, string basePath, string refresh, string signOut)
    {
        var endpoints = SessionEndpoints.Resolve(new SesameClientOptions { ApiDomain = domain, ApiBasePath = basePath });
        Assert.Equal(refresh, endpoints.RefreshUri.AbsoluteUri);
        Assert.Equal(signOut, endpoints.SignOutUri!.AbsoluteUri);
    }
}
