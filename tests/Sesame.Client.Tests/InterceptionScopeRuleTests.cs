using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests;

/// <summary>Which URLs get the session (docs/protocol/refresh.md#interception-scope), for the current and the legacy dialect.</summary>
public sealed class InterceptionScopeRuleTests
{
    [Theory]
    [InlineData("https://api.example.com/x", "https://api.example.com", null, true)]
    [InlineData("https://api.example.com:8080/x", "https://api.example.com", null, true)] // port ignored (the default rule)
    [InlineData("http://api.example.com:8080/x", "https://api.example.com", null, false)] // never in clear from an https API (ScopeSecurityTests)
    [InlineData("https://other.com/x", "https://api.example.com", null, false)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", "example.com", true)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", ".example.com", true)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", ".com", true)]
    [InlineData("https://example.com/x", "https://api.example.com", "sub.example.com", false)] // deeper than the URL host
    [InlineData("http://localhost.org/x", "http://127.0.0.1", "localhost", false)]
    [InlineData("http://localhost:3000/x", "http://127.0.0.1", "localhost:9999", true)]
    [InlineData("https://api.example.com/x#superTokensDoNotDoInterception", "https://api.example.com", null, false)]
    [Trait("ReferenceSuiteItem", "L")]
    public void Interception_scope_matrix(string url, string apiDomain, string? backendDomain, bool expected)
    {
        var options = new SesameClientOptions { ApiDomain = apiDomain, SessionTokenBackendDomain = backendDomain };
        var dialect = new CurrentDialect(options, SessionEndpoints.Resolve(options), TimeProvider.System);
        Assert.Equal(expected, dialect.IsInScope(new Uri(url)));
    }

    [Theory]
    [InlineData("http://localhost:8888/api", true)]
    [InlineData("http://localhost:8889/api", false)]
    [InlineData("https://localhost:8888/api", false)]
    [InlineData("http://127.0.0.1:8888/api", false)]
    public void Legacy_scope_is_the_refresh_urls_origin(string url, bool expected)
    {
        var dialect = Internal.LegacyDialectTests.Legacy(out _);
        Assert.Equal(expected, dialect.IsInScope(new Uri(url)));
    }
}
