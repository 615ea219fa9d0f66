using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests.Internal;

/// <summary>The current protocol's dialect on hand-built responses (the end-to-end suites drive it against the real server).</summary>
public sealed class CurrentDialectTests
{
    [Theory]
    [InlineData("front-token", true)]
    [InlineData("St-Access-Token", true)]
    [InlineData("st-refresh-token", true)]
    [InlineData("Anti-CSRF", true)]
    [InlineData("Set-Cookie", true)]
    [InlineData("st-auth-mode", false)]
    [InlineData("Server", false)]
    [InlineData(null, false)]
    public void Current_dialect_may_change_session_only_for_session_headers(string? name, bool expected)
    {
        var options = new SesameClientOptions { ApiDomain = "https://api.example.com" };
        var dialect = new CurrentDialect(options, SessionEndpoints.Resolve(options), TimeProvider.System);
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
        if (name is not null)
        {
            response.Headers.TryAddWithoutValidation(name, "value");
        }

        Assert.Equal(expected, dialect.MayChangeSession(response));
    }
}
