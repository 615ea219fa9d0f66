using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// The issuer (<c>iss</c>), the OpenID <c>jwks_uri</c> and the cookies' <c>Secure</c> flag behind a TLS-terminating proxy
/// (docs/security.md): a client controls the <c>Host</c> header and, without forwarded headers, the server sees plain HTTP.
/// </summary>
public sealed class ProxyAndIssuerTests
{
    private const string ApiDomain = "https://api.example.test";

    [Fact]
    public async Task Security_ApiDomain_is_required_in_Production()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SesameTestServer.StartAsync(
            new SesameTestServerSettings { EnvironmentName = "Production" }));

        Assert.Contains("Session:ApiDomain", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_Production_with_ApiDomain_the_server_starts()
    {
        await using var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            EnvironmentName = "Production",
            Configure = o => o.ApiDomain = ApiDomain,
        });
        using var client = new HeaderSession(server);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("u1")).StatusCode);
    }

    [Fact]
    public async Task With_ApiDomain_a_forged_Host_reaches_neither_the_issuer_nor_the_jwks_uri()
    {
        await using var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            EnvironmentName = "Production",
            Configure = o => o.ApiDomain = ApiDomain,
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var login = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = HeaderSession.Json(new JsonObject { ["userId"] = "u1" }) };
        login.Headers.Host = "evil.example";
        login.Headers.Add("st-auth-mode", "header");
        using var loggedIn = await http.SendAsync(login);
        Assert.Equal(HttpStatusCode.OK, loggedIn.StatusCode);
        Assert.Equal(ApiDomain + "/auth", (string?)Jwt.Payload(loggedIn.Header("st-access-token")!)["iss"]);

        using var discovery = new HttpRequestMessage(HttpMethod.Get, "/auth/.well-known/openid-configuration");
        discovery.Headers.Host = "evil.example";
        using var answer = await http.SendAsync(discovery);
        var configuration = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.Equal(ApiDomain + "/auth", (string?)configuration["issuer"]);
        Assert.Equal(ApiDomain + "/auth/jwt/jwks.json", (string?)configuration["jwks_uri"]);
    }

    [Fact]
    public async Task Behind_a_TLS_terminating_proxy_with_ApiDomain_the_cookies_are_Secure()
    {
        await using var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            EnvironmentName = "Production",
            Configure = o => o.ApiDomain = ApiDomain,
        });

        // The proxy speaks plain HTTP to the app; ApiDomain says what the browser sees.
        var cookies = await CookieLoginAsync(server, forwardedProto: null);

        Assert.All(cookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Behind_a_TLS_terminating_proxy_UseForwardedHeaders_makes_the_cookies_Secure_and_without_it_they_are_not()
    {
        // Development without ApiDomain: the Secure flag follows the request's scheme, which only forwarded headers make https.
        await using var forwarded = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            ConfigureServices = services => services.AddTransient<IStartupFilter, ForwardedHeadersFirst>(),
        });
        await using var direct = await SesameTestServer.StartAsync();

        Assert.All(await CookieLoginAsync(forwarded, forwardedProto: "https"), c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.All(await CookieLoginAsync(direct, forwardedProto: "https"), c => Assert.DoesNotContain("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<IReadOnlyList<string>> CookieLoginAsync(SesameTestServer server, string? forwardedProto)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        using var login = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = HeaderSession.Json(new JsonObject { ["userId"] = "u1" }) };
        login.Headers.Add("st-auth-mode", "cookie");
        if (forwardedProto is not null)
        {
            login.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await http.SendAsync(login);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.SetCookies();
        Assert.Equal(2, cookies.Count(c => c.StartsWith("sAccessToken=", StringComparison.Ordinal) || c.StartsWith("sRefreshToken=", StringComparison.Ordinal)));
        return cookies;
    }

    /// <summary>
    /// <c>app.UseForwardedHeaders(...)</c> as the first middleware, as docs/security.md says to set it up. The proxy here is the test
    /// itself on 127.0.0.1, which the middleware trusts by default (<c>KnownProxies</c> holds the loopback addresses).
    /// </summary>
    private sealed class ForwardedHeadersFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });
            next(app);
        };
    }
}
