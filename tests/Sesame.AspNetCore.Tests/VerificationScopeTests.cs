using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Storage;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// Where verification may write (the promotion of a refreshed token, docs/protocol/rotation.md#verify-time-promotion: a store write plus new tokens in the response): only where
/// a session is required, never on an endpoint that lets anonymous requests through. And what a cached verification still checks.
/// </summary>
public sealed class VerificationScopeTests
{
    private static async Task<string> StoredHash2Async(SesameTestServer server, string accessToken)
    {
        var store = server.Services.GetRequiredService<ISessionStore>();
        var row = await store.FindAsync((string)Jwt.Payload(accessToken)["sessionHandle"]!, CancellationToken.None);
        return row!.RefreshTokenHash2;
    }

    private static Task<SesameTestServer> StartAsync(Action<WebApplication>? configureApp = null, Action<IServiceCollection>? configureServices = null) =>
        SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            ConfigureApp = app =>
            {
                // Anonymous endpoints that show what the request knows about its user, and one that asks for the session explicitly.
                app.MapGet("/anonymous/user", (HttpContext context) => context.User.FindFirst("sub")?.Value ?? "(none)");
                app.MapGet("/anonymous/verify", async (HttpContext context, ISessionService sessions) =>
                    (await sessions.VerifySessionAsync(context, context.RequestAborted)).Status.ToString());
                app.MapGet("/allow-anonymous", (HttpContext context) => "anonymous").RequireAuthorization().AllowAnonymous();
                configureApp?.Invoke(app);
            },
            ConfigureServices = configureServices,
        });

    private static async Task<(HeaderSession Client, string RefreshedToken, string Hash2BeforePromotion)> LoginAndRefreshAsync(SesameTestServer server)
    {
        var client = new HeaderSession(server);
        // Created in process rather than by POST /login, which a fallback policy would close to anonymous callers.
        var login = new DefaultHttpContext { RequestServices = server.Services };
        await server.Services.GetRequiredService<ISessionService>().CreateSessionAsync(login, "u1");
        client.AccessToken = login.Response.Headers["st-access-token"].ToString();
        client.RefreshToken = login.Response.Headers["st-refresh-token"].ToString();
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        Assert.NotNull(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]);
        return (client, client.AccessToken!, await StoredHash2Async(server, client.AccessToken!));
    }

    [Fact]
    public async Task Anonymous_endpoint_with_a_refreshed_token_knows_the_user_but_promotes_nothing_and_sends_no_tokens()
    {
        await using var server = await StartAsync();
        var (client, refreshed, hash2) = await LoginAndRefreshAsync(server);
        using var _ = client;

        var anonymous = await client.SendAsync(HttpMethod.Get, "/anonymous/user");
        Assert.Equal("u1", await anonymous.BodyAsync());
        Assert.Null(anonymous.Header("st-access-token"));
        Assert.Null(anonymous.Header("front-token"));
        Assert.Equal(hash2, await StoredHash2Async(server, refreshed));

        var testing = await client.SendAsync(HttpMethod.Get, "/testing");
        Assert.Equal("success", await testing.BodyAsync());
        Assert.Null(testing.Header("st-access-token"));
        Assert.Equal(hash2, await StoredHash2Async(server, refreshed));
        Assert.Equal(refreshed, client.AccessToken);
    }

    [Fact]
    public async Task AllowAnonymous_overrides_RequireAuthorization_so_the_refreshed_token_is_not_promoted_there()
    {
        await using var server = await StartAsync();
        var (client, refreshed, hash2) = await LoginAndRefreshAsync(server);
        using var _ = client;

        var response = await client.SendAsync(HttpMethod.Get, "/allow-anonymous");
        Assert.Equal("anonymous", await response.BodyAsync());
        Assert.Null(response.Header("st-access-token"));
        Assert.Equal(hash2, await StoredHash2Async(server, refreshed));
    }

    [Fact]
    public async Task Endpoint_requiring_a_session_promotes_the_refreshed_token_after_anonymous_calls_left_it_alone()
    {
        await using var server = await StartAsync();
        var (client, refreshed, hash2) = await LoginAndRefreshAsync(server);
        using var _ = client;
        await client.SendAsync(HttpMethod.Get, "/anonymous/user");

        var protectedCall = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal("u1", await protectedCall.BodyAsync());
        Assert.NotNull(protectedCall.Header("st-access-token"));
        Assert.Null(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]);
        Assert.NotEqual(hash2, await StoredHash2Async(server, refreshed));
    }

    [Fact]
    public async Task Explicit_VerifySessionAsync_on_an_anonymous_endpoint_promotes_the_refreshed_token()
    {
        await using var server = await StartAsync();
        var (client, refreshed, hash2) = await LoginAndRefreshAsync(server);
        using var _ = client;

        var response = await client.SendAsync(HttpMethod.Get, "/anonymous/verify");
        Assert.Equal("Valid", await response.BodyAsync());
        Assert.NotNull(response.Header("st-access-token"));
        Assert.NotEqual(hash2, await StoredHash2Async(server, refreshed));
    }

    [Fact]
    public async Task Fallback_policy_requiring_users_counts_as_requiring_a_session_and_promotes()
    {
        await using var server = await StartAsync(configureServices: services => services.AddAuthorization(options =>
            options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()));
        var (client, refreshed, hash2) = await LoginAndRefreshAsync(server);
        using var _ = client;

        var response = await client.SendAsync(HttpMethod.Get, "/anonymous/user"); // no metadata: the fallback policy applies
        Assert.Equal("u1", await response.BodyAsync());
        Assert.NotNull(response.Header("st-access-token"));
        Assert.NotEqual(hash2, await StoredHash2Async(server, refreshed));
    }

    [Fact]
    public async Task Cached_token_is_refused_once_its_signing_key_was_dropped_from_the_store()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.SigningKeyRotationInterval = TimeSpan.FromMinutes(10);
            o.AccessTokenLifetime = TimeSpan.FromMinutes(30);
        }, time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync()); // verified once: now cached
        var kid = (string)Jwt.Header(client.AccessToken!)["kid"]!;

        // An operator removes the key (e.g. it leaked); the next rotation reloads the keys from the store without it.
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = server.DatabasePath, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM sesame_signing_keys WHERE key_id = $kid";
            delete.Parameters.AddWithValue("$kid", kid);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        time.Advance(TimeSpan.FromMinutes(11));
        using (var other = new HeaderSession(server))
        {
            await other.LoginAsync("u2"); // signs with a new key: the ring reloads and no longer holds the dropped one
            Assert.NotEqual(kid, (string?)Jwt.Header(other.AccessToken!)["kid"]);
        }

        var afterDrop = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, afterDrop.StatusCode);
        Assert.Equal("try refresh token", await afterDrop.MessageAsync());
    }

    [Fact]
    public async Task ForwardDefault_of_the_Sesame_scheme_forwards_authentication_as_any_scheme_does()
    {
        await using var server = await StartAsync(
            configureApp: app => app.MapGet("/whoami", (HttpContext context) => context.User.FindFirst("sub")!.Value).RequireAuthorization(),
            configureServices: services =>
            {
                services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, FixedUserHandler>("Other", null);
                services.Configure<SesameAuthenticationOptions>(SesameDefaults.AuthenticationScheme, o => o.ForwardDefault = "Other");
            });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var response = await http.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("forwarded-user", await response.BodyAsync());
    }

    /// <summary>A second scheme for the forwarding test: every request is the same user.</summary>
    private sealed class FixedUserHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "forwarded-user")], "Other")), "Other")));
    }
}
