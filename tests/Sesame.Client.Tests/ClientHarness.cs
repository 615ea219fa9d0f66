using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Testing.Server;
using ServerOptions = Sesame.AspNetCore.SesameServerOptions;

namespace Sesame.Client.Tests;

/// <summary>A real Sesame server on Kestrel plus a DI-built client, sharing one fake clock (no sleeps for expiry).</summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(10);

    private ClientHarness(SesameTestServer server, FakeTimeProvider time, ServiceProvider services, TokenTransferMethod method)
    {
        Server = server;
        Time = time;
        Services = services;
        Method = method;
        Api = services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        Session = services.GetRequiredService<ISessionClient>();
        Coordinator = services.GetRequiredService<RefreshCoordinator>();
        Store = services.GetRequiredService<ITokenStore>();
        Logs = services.GetFakeLogCollector();
        services.GetRequiredService<ISessionEvents>().EventRaised += (_, e) =>
        {
            lock (Events)
            {
                Events.Add(e);
            }
        };
    }

    public SesameTestServer Server { get; }

    public FakeTimeProvider Time { get; }

    public ServiceProvider Services { get; }

    public TokenTransferMethod Method { get; }

    public HttpClient Api { get; }

    public ISessionClient Session { get; }

    public RefreshCoordinator Coordinator { get; }

    public ITokenStore Store { get; }

    public FakeLogCollector Logs { get; }

    public List<SessionEvent> Events { get; } = [];

    public string[] EventNames
    {
        get
        {
            lock (Events)
            {
                return [.. Events.Select(e => e.ToString())];
            }
        }
    }

    public static Task<ClientHarness> StartAsync(
        TokenTransferMethod method,
        Action<SesameClientOptions>? client = null,
        Action<ServerOptions>? server = null,
        Action<IServiceCollection>? services = null,
        Action<IHttpClientBuilder>? api = null,
        FakeTimeProvider? time = null,
        string? databasePath = null) =>
        StartAsync(method, client, server, services, api, time, databasePath, configureApp: null);

    public static async Task<ClientHarness> StartAsync(
        TokenTransferMethod method,
        Action<SesameClientOptions>? client,
        Action<ServerOptions>? server,
        Action<IServiceCollection>? services,
        Action<IHttpClientBuilder>? api,
        FakeTimeProvider? time,
        string? databasePath,
        Action<WebApplication>? configureApp)
    {
        time ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var testServer = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Time = time,
            DatabasePath = databasePath,
            Configure = o =>
            {
                o.AccessTokenLifetime = AccessTokenLifetime;
                server?.Invoke(o);
            },
            ConfigureApp = app =>
            {
                // Shows which headers reached the server (for the Authorization and scope rules).
                app.MapMethods("/headers", ["GET", "POST"], (HttpContext c) => Results.Json(
                    c.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
                configureApp?.Invoke(app);
            },
        });

        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        collection.AddSingleton<TimeProvider>(time);
        collection.AddSesameClient(o =>
        {
            o.ApiDomain = testServer.BaseAddress.ToString();
            o.TokenTransferMethod = method;
            client?.Invoke(o);
        });
        services?.Invoke(collection);
        var apiBuilder = collection.AddHttpClient("api", c => c.BaseAddress = testServer.BaseAddress).AddSessionHandler();
        api?.Invoke(apiBuilder);
        return new ClientHarness(testServer, time, collection.BuildServiceProvider(), method);
    }

    public async Task<string> LoginAsync(string userId = "alice", JsonObject? payload = null)
    {
        var body = new JsonObject { ["userId"] = userId };
        if (payload is not null)
        {
            body["payload"] = payload;
        }

        using var response = await Api.PostAsync("/login", JsonContent.Create(body));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Moves the shared clock past the access token's expiry.</summary>
    public void ExpireAccessToken() => Time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(1));

    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Api.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonElement> HeadersSeenAsync(HttpRequestMessage request)
    {
        using var response = await Api.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Both transfer methods, for theories.</summary>
public static class TransferMethods
{
    public static TheoryData<TokenTransferMethod> Both => new() { TokenTransferMethod.Header, TokenTransferMethod.Cookie };
}
