using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sesame.Client;
using Sesame.Client.Internal;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests.Security;

/// <summary>
/// Review finding 5: the reference client's scope compares host names only, so <c>http://</c> on an https API host and any other port of it
/// got the session. The .NET default never sends the session over http when the API domain is https; <see cref="InterceptionScopeRule.StrictOrigin"/>
/// also compares scheme and port; <see cref="InterceptionScopeRule.ReferenceHost"/> keeps the reference rule for compatibility.
/// </summary>
public sealed class ScopeSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Security_http_url_on_the_https_api_host_never_gets_the_session()
    {
        // The API is https://127.0.0.1 (nothing needs to listen there); the "same host" over plain http is a real Kestrel.
        await using var plainHttp = await ForeignHost.StartAsync("127.0.0.1", Ct);
        var store = await HeaderSessionStoreAsync();
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "https://127.0.0.1:8443").Services.Replace(ServiceDescriptor.Singleton<ITokenStore>(store));
        services.AddHttpClient("api").AddSessionHandler();
        await using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

        using var response = await http.GetAsync(new Uri(plainHttp.BaseAddress, "/data"), Ct);

        Assert.Equal("foreign", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty(Assert.Single(plainHttp.Requests).SessionHeaderNames);
        Assert.Equal("at-of-the-session", store.Current.AccessToken);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Strict_origin_another_port_of_the_api_host_gets_no_session_not_even_through_a_redirect(TokenTransferMethod method)
    {
        await using var otherPort = await ForeignHost.StartAsync("127.0.0.1", Ct);
        await using var h = await ClientHarness.StartAsync(method, client: o => o.InterceptionScope = InterceptionScopeRule.StrictOrigin);
        await h.LoginAsync();
        var before = h.Store.Current;
        h.Server.Program("/go", RedirectSecurityTests.Redirect(302, new Uri(otherPort.BaseAddress, "/landing")));

        using var direct = await h.Api.GetAsync(new Uri(otherPort.BaseAddress, "/direct"), Ct);
        using var redirected = await h.Api.GetAsync("/go", Ct);

        Assert.All(otherPort.Requests, r => Assert.Empty(r.SessionHeaderNames));
        Assert.Equal(2, otherPort.Requests.Count);
        RedirectSecurityTests.AssertSameSession(before, h.Store.Current);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
    }

    [Theory]
    [InlineData("https://api.example.com/x", InterceptionScopeRule.HostNoDowngrade, true)]
    [InlineData("http://api.example.com/x", InterceptionScopeRule.HostNoDowngrade, false)]
    [InlineData("https://api.example.com:8443/x", InterceptionScopeRule.HostNoDowngrade, true)]
    [InlineData("https://sub.example.com/x", InterceptionScopeRule.HostNoDowngrade, true)]
    [InlineData("http://sub.example.com/x", InterceptionScopeRule.HostNoDowngrade, false)]
    [InlineData("http://api.example.com:8080/x", InterceptionScopeRule.ReferenceHost, true)]
    [InlineData("http://sub.example.com/x", InterceptionScopeRule.ReferenceHost, true)]
    [InlineData("https://api.example.com/x", InterceptionScopeRule.StrictOrigin, true)]
    [InlineData("https://api.example.com:443/x", InterceptionScopeRule.StrictOrigin, true)]
    [InlineData("https://api.example.com:8443/x", InterceptionScopeRule.StrictOrigin, false)]
    [InlineData("http://api.example.com/x", InterceptionScopeRule.StrictOrigin, false)]
    [InlineData("https://sub.example.com/x", InterceptionScopeRule.StrictOrigin, true)]
    [InlineData("https://sub.example.com:444/x", InterceptionScopeRule.StrictOrigin, false)]
    public void Scope_rules_matrix(string url, InterceptionScopeRule rule, bool expected)
    {
        var options = new SesameClientOptions { ApiDomain = "https://api.example.com", SessionTokenBackendDomain = ".example.com", InterceptionScope = rule };
        var dialect = new CurrentDialect(options, SessionEndpoints.Resolve(options), TimeProvider.System);
        Assert.Equal(expected, dialect.IsInScope(new Uri(url)));
    }

    [Fact]
    public void Scope_rule_is_validated_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o =>
        {
            o.ApiDomain = "https://api.example.com";
            o.InterceptionScope = (InterceptionScopeRule)42;
        });
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<RefreshCoordinator>());
        Assert.Contains("InterceptionScope", error.Message);
    }

    /// <summary>A header-mode session as the server leaves it (the tokens' values do not matter to the scope rule).</summary>
    private static async Task<MemoryTokenStore> HeaderSessionStoreAsync()
    {
        var store = new MemoryTokenStore();
        await store.UpdateAsync(_ => new SessionTokens
        {
            FrontToken = ForeignHost.PlantedFrontToken,
            AccessToken = "at-of-the-session",
            RefreshToken = "rt-of-the-session",
            AntiCsrfToken = "csrf-of-the-session",
            LastAccessTokenUpdate = 1,
            Cookies = ImmutableArray<StoredCookie>.Empty,
        }, Ct);
        return store;
    }
}
