using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary><see cref="SesameServerOptions.QueryStringTokenPaths"/>: the <c>access_token</c> query parameter on SignalR hub paths only.</summary>
public sealed class QueryStringTokenTests
{
    private static Task<SesameTestServer> StartAsync() => SesameTestServer.StartAsync(new SesameTestServerSettings
    {
        Configure = o => o.QueryStringTokenPaths.Add("/hubs"),
        ConfigureApp = app =>
        {
            app.MapGet("/hubs/chat", (HttpContext c) => c.GetSesameSession()!.UserId).RequireAuthorization();
            app.MapGet("/hubsx", (HttpContext c) => c.GetSesameSession()!.UserId).RequireAuthorization();
        },
    });

    [Fact]
    public async Task A_token_in_the_query_string_authenticates_on_a_configured_hub_path_and_below_it()
    {
        await using var server = await StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var hub = await http.GetAsync("/hubs/chat?id=1&access_token=" + client.AccessToken);
        Assert.Equal(HttpStatusCode.OK, hub.StatusCode);
        Assert.Equal("alice", await hub.BodyAsync());
    }

    [Fact]
    public async Task A_token_in_the_query_string_is_ignored_on_every_other_path()
    {
        await using var server = await StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        foreach (var path in new[] { "/", "/hubsx" })
        {
            using var response = await http.GetAsync(path + "?access_token=" + client.AccessToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthorised", await response.MessageAsync());
        }

        // The refresh endpoint reads its refresh token from a header or a cookie only.
        using var refresh = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri + "?access_token=" + client.RefreshToken);
        refresh.Headers.Add("rid", "session");
        using var refused = await http.SendAsync(refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode); // the session is untouched
    }

    [Fact]
    public async Task A_token_in_the_header_wins_over_one_in_the_query_string()
    {
        await using var server = await StartAsync();
        using var alice = new HeaderSession(server);
        (await alice.LoginAsync("alice")).Dispose();
        using var bob = new HeaderSession(server);
        (await bob.LoginAsync("bob")).Dispose();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/hubs/chat?access_token=" + bob.AccessToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice.AccessToken);
        using var response = await alice.Http.SendAsync(request);

        Assert.Equal("alice", await response.BodyAsync());
    }

    [Fact]
    public void Paths_bind_from_configuration_and_the_session_endpoints_or_the_root_are_refused_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Session:QueryStringTokenPaths:0"] = "/hubs/",
        }).Build();
        var bound = new ServiceCollection().AddLogging();
        bound.AddSesame(configuration.GetSection("Session"));
        using (var provider = bound.BuildServiceProvider())
        {
            Assert.Equal(["/hubs/"], provider.GetRequiredService<IOptions<SesameServerOptions>>().Value.QueryStringTokenPaths);
        }

        var services = new ServiceCollection().AddLogging();
        services.AddSesame(o =>
        {
            foreach (var path in new[] { "/auth", "/auth/session", "/", "hubs", "/AUTH/signout" })
            {
                o.QueryStringTokenPaths.Add(path);
            }
        });
        using var invalid = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => invalid.GetRequiredService<IOptions<SesameServerOptions>>().Value);
        Assert.Equal(5, error.Failures.Count(f => f.Contains("QueryStringTokenPaths", StringComparison.Ordinal)));
    }
}
