using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests.SignalR;

/// <summary>A hub protected by <c>[Authorize]</c> with Sesame on a real Kestrel server, connected from the .NET SignalR client with the
/// Sesame client's access token (docs/signalr.md).</summary>
public sealed class SignalRHubTests : IAsyncLifetime
{
    private const string HubPath = "/hubs/chat";
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SesameTestServer _server = null!;
    private ServiceProvider _client = null!;

    private ISessionClient Session => _client.GetRequiredService<ISessionClient>();

    private Uri HubUri => new(_server.BaseAddress, HubPath);

    public async ValueTask InitializeAsync()
    {
        _server = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Time = _time,
            Configure = o =>
            {
                o.AccessTokenLifetime = AccessTokenLifetime;
                o.QueryStringTokenPaths.Add("/hubs");
            },
            ConfigureServices = services =>
            {
                services.AddSignalR(o => o.AddFilter<SesameSessionHubFilter>());
                services.AddSingleton<IUserIdProvider, SesameUserIdProvider>();
            },
            ConfigureApp = app => app.MapHub<ChatHub>(HubPath),
        });

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSesameClient(o =>
        {
            o.ApiDomain = _server.BaseAddress.ToString();
            o.TokenTransferMethod = TokenTransferMethod.Header;
        });
        services.AddHttpClient("api", c => c.BaseAddress = _server.BaseAddress).AddSessionHandler();
        _client = services.BuildServiceProvider();
        using var login = await _client.GetRequiredService<IHttpClientFactory>().CreateClient("api")
            .PostAsync("/login", JsonContent.Create(new JsonObject { ["userId"] = "alice" }));
        login.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_call_over_WebSockets_with_the_clients_access_token_succeeds_and_sees_the_user()
    {
        await using var connection = Connect(HubUri, () => Session.GetAccessTokenAsync());

        await connection.StartAsync();

        Assert.Equal("alice|alice", await connection.InvokeAsync<string>(nameof(ChatHub.WhoAmI)));
        Assert.Equal("header", await connection.InvokeAsync<string>(nameof(ChatHub.TokenSource)));
    }

    [Fact]
    public async Task A_browser_style_connection_with_the_token_in_the_query_string_succeeds_on_the_hub_path()
    {
        var token = await Session.GetAccessTokenAsync();
        await using var connection = Connect(new Uri(HubUri + "?access_token=" + Uri.EscapeDataString(token!)), accessToken: null);

        await connection.StartAsync();

        Assert.Equal("alice|alice", await connection.InvokeAsync<string>(nameof(ChatHub.WhoAmI)));
        Assert.Equal("query", await connection.InvokeAsync<string>(nameof(ChatHub.TokenSource)));
    }

    [Fact]
    public async Task An_expired_token_fails_to_connect_and_the_clients_token_provider_refreshes_it_first()
    {
        var stale = await Session.GetAccessTokenAsync();
        _time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(1));

        await using (var expired = Connect(HubUri, () => Task.FromResult(stale)))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => expired.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(0, _server.RefreshCalledCount);
        await using var refreshed = Connect(HubUri, () => Session.GetAccessTokenAsync());
        await refreshed.StartAsync();
        Assert.Equal("alice|alice", await refreshed.InvokeAsync<string>(nameof(ChatHub.WhoAmI)));
        Assert.Equal(1, _server.RefreshCalledCount);
    }

    [Fact]
    public async Task A_forged_token_fails_to_connect_by_header_and_by_query_string()
    {
        var token = (await Session.GetAccessTokenAsync())!;
        var parts = token.Split('.');
        var payload = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        payload["sub"] = "mallory";
        var forged = parts[0] + "." + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()))
            + "." + parts[2];

        await using var byHeader = Connect(HubUri, () => Task.FromResult<string?>(forged));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => byHeader.StartAsync())).StatusCode);
        await using var byQuery = Connect(new Uri(HubUri + "?access_token=" + Uri.EscapeDataString(forged)), accessToken: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => byQuery.StartAsync())).StatusCode);
    }

    [Fact]
    public async Task A_signed_out_session_is_refused_a_new_connection_and_its_open_connections_next_call()
    {
        var token = await Session.GetAccessTokenAsync();
        await using var open = Connect(HubUri, () => Task.FromResult(token));
        await open.StartAsync();
        Assert.Equal("alice|alice", await open.InvokeAsync<string>(nameof(ChatHub.WhoAmI)));

        await Session.SignOutAsync();

        // The open connection was authenticated when it connected; the hub filter re-verifies its token on every call.
        var call = await Assert.ThrowsAsync<HubException>(() => open.InvokeAsync<string>(nameof(ChatHub.WhoAmI)));
        Assert.Contains("Unauthorised", call.Message, StringComparison.Ordinal);
        await using var again = Connect(HubUri, () => Task.FromResult(token));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync())).StatusCode);
    }

    private static HubConnection Connect(Uri url, Func<Task<string?>>? accessToken) =>
        new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = accessToken;
            })
            .Build();
}

/// <summary>The hub of these tests: only signed-in users.</summary>
[Authorize]
public sealed class ChatHub : Hub
{
    /// <summary>The user as the Sesame principal and as SignalR's user id (<see cref="SesameUserIdProvider"/>) see it.</summary>
    public string WhoAmI() => Context.User!.FindFirst("sub")!.Value + "|" + Context.UserIdentifier;

    /// <summary>Where the WebSocket request that opened this connection carried its access token.</summary>
    public string TokenSource()
    {
        var request = Context.GetHttpContext()!.Request;
        return (request.Headers.Authorization.Count > 0 ? "header" : string.Empty) + (request.Query.ContainsKey("access_token") ? "query" : string.Empty);
    }
}

/// <summary>SignalR's user id from the Sesame principal's <c>sub</c> claim (docs/signalr.md).</summary>
internal sealed class SesameUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst("sub")?.Value;
}

/// <summary>Re-verifies the connection's access token on every hub call (docs/signalr.md): a session ended since the connection was made
/// (sign-out, revocation) or a token that has expired is refused.</summary>
internal sealed class SesameSessionHubFilter(ISessionService sessions) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var token = invocation.Context.GetHttpContext()?.GetSesameSession()?.AccessToken;
        var status = token is null
            ? SessionVerificationStatus.NoSession
            : (await sessions.VerifyAccessTokenAsync(token, invocation.Context.ConnectionAborted)).Status;
        return status == SessionVerificationStatus.Valid
            ? await next(invocation)
            : throw new HubException("Session: " + status);
    }
}
