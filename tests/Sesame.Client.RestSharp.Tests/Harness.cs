using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Refit;
using Sesame.AspNetCore;
using RestSharp;
using Sesame.Client.RestSharp;
using Sesame.Testing.Server;
using ServerOptions = Sesame.AspNetCore.SesameServerOptions;

namespace Sesame.Client.RestSharp.Tests;

/// <summary>
/// A real Sesame server on Kestrel and one DI container holding the Sesame client, a RestSharp <see cref="IRestClient"/>
/// (<c>AddSesameRestClient</c>) and a Refit <see cref="ITestApi"/> (<c>AddRefitClient().AddSessionHandler()</c>), all sharing one session;
/// server and client share one fake clock, so expiry needs no sleep.
/// </summary>
internal sealed class Harness : IAsyncDisposable
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(10);

    private Harness(SesameTestServer server, FakeTimeProvider time, ServiceProvider services, BodyRecorder bodies)
    {
        Server = server;
        Time = time;
        Services = services;
        Bodies = bodies;
        Coordinator = services.GetRequiredService<RefreshCoordinator>();
        Session = services.GetRequiredService<ISessionClient>();
    }

    public SesameTestServer Server { get; }

    public FakeTimeProvider Time { get; }

    public ServiceProvider Services { get; }

    /// <summary>Every body that reached <c>POST /echo</c>, recorded before authentication (so the rejected first attempt is there too).</summary>
    public BodyRecorder Bodies { get; }

    public RefreshCoordinator Coordinator { get; }

    public ISessionClient Session { get; }

    /// <summary>The DI RestSharp client (a new transient instance each time, as typed clients are).</summary>
    public IRestClient Rest => Services.GetRequiredService<IRestClient>();

    /// <summary>The Refit client.</summary>
    public ITestApi Refit => Services.GetRequiredService<ITestApi>();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Harness> StartAsync(
        TokenTransferMethod method = TokenTransferMethod.Header,
        Action<SesameClientOptions>? client = null,
        Action<ServerOptions>? server = null,
        Action<RestClientOptions>? rest = null,
        Action<IServiceCollection>? services = null,
        Action<IHttpClientBuilder>? refit = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bodies = new BodyRecorder();
        var testServer = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Time = time,
            Configure = o =>
            {
                o.AccessTokenLifetime = AccessTokenLifetime;
                server?.Invoke(o);
            },
            ConfigureServices = s => s.AddSingleton<IStartupFilter>(new RecordBodiesFirst(bodies)),
            ConfigureApp = MapExtraEndpoints,
        });

        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddSesameClient(o =>
        {
            o.ApiDomain = testServer.BaseAddress.ToString();
            o.TokenTransferMethod = method;
            client?.Invoke(o);
        });
        collection.AddSesameRestClient(o =>
        {
            o.BaseUrl = testServer.BaseAddress;
            rest?.Invoke(o);
        });
        // Refit 16: AddRefitClient builds requests by reflection, which needs the Refit.Reflection package (not on this registry);
        // AddRefitGeneratedClient uses the source-generated client. Both return the IHttpClientBuilder that AddSessionHandler extends.
        var refitBuilder = collection.AddRefitGeneratedClient<ITestApi>()
            .ConfigureHttpClient(http => http.BaseAddress = testServer.BaseAddress)
            .AddSessionHandler();
        refit?.Invoke(refitBuilder);
        services?.Invoke(collection);
        return new Harness(testServer, time, collection.BuildServiceProvider(), bodies);
    }

    /// <summary>A RestClient built without DI: <c>new RestClient(options.UseSesameSession(coordinator))</c>.</summary>
    public RestClient NewRestClient(Action<RestClientOptions>? configure = null, Uri? baseUrl = null)
    {
        var options = new RestClientOptions(baseUrl ?? Server.BaseAddress);
        configure?.Invoke(options);
        return new RestClient(options.UseSesameSession(Coordinator));
    }

    public async Task LoginAsync(string userId = "alice")
    {
        var response = await Rest.ExecuteAsync(new RestRequest("/login", Method.Post).AddJsonBody(new { userId }), Ct);
        Assert.True(response.IsSuccessful, $"login failed: {(int)response.StatusCode} {response.Content}");
        Assert.Equal(userId, response.Content);

        // The first request of an unknown state probes with a refresh (docs/protocol/refresh.md#probe): start counting from the logged-in state.
        Server.ResetCounters();
    }

    /// <summary>Moves the shared clock past the access token's expiry.</summary>
    public void ExpireAccessToken() => Time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(1));

    /// <summary>Ends the session on the server (all sessions of the user), leaving the client's tokens in place.</summary>
    public async Task RevokeOnServerAsync()
    {
        var response = await Rest.ExecuteAsync(new RestRequest("/revokeAll", Method.Post), Ct);
        Assert.True(response.IsSuccessful, $"revokeAll failed: {(int)response.StatusCode}");
    }

    public string RefreshPath => Server.RefreshUri.AbsolutePath;

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }

    private static void MapExtraEndpoints(WebApplication app)
    {
        // The request headers the server saw (lower-case names), without and with a session.
        app.MapMethods("/headers", ["GET", "POST"], (HttpContext c) => Results.Json(ReadHeaders(c)));
        app.MapMethods("/headers-auth", ["GET", "POST"], (HttpContext c) => Results.Json(ReadHeaders(c))).RequireAuthorization();

        // An API under a base path, for RestSharp's BaseUrl with a path and relative resources.
        app.MapGet("/v1/me", (HttpContext c) => Results.Text(c.GetSesameSession()!.UserId)).RequireAuthorization();
    }

    private static Dictionary<string, string> ReadHeaders(HttpContext context) =>
        context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());

    /// <summary>Runs before everything else in the server pipeline (authentication rejects the first attempt before app middleware).</summary>
    private sealed class RecordBodiesFirst(BodyRecorder bodies) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path == "/echo")
                {
                    context.Request.EnableBuffering();
                    using var buffer = new MemoryStream();
                    await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                    context.Request.Body.Position = 0;
                    bodies.Add(buffer.ToArray(), context.Request.ContentType);
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Request bodies as the server received them, in arrival order.</summary>
internal sealed class BodyRecorder
{
    private readonly ConcurrentQueue<(byte[] Body, string? ContentType)> _bodies = new();

    public IReadOnlyList<(byte[] Body, string? ContentType)> All => [.. _bodies];

    public void Add(byte[] body, string? contentType) => _bodies.Enqueue((body, contentType));

    public void Clear() => _bodies.Clear();
}

/// <summary>The Refit view of the test server.</summary>
public interface ITestApi
{
    [Post("/login")]
    Task<string> LoginAsync([Body] LoginBody body, CancellationToken cancellationToken = default);

    [Get("/")]
    Task<string> GetUserIdAsync(CancellationToken cancellationToken = default);

    [Get("/")]
    Task<IApiResponse<string>> GetUserIdResponseAsync(CancellationToken cancellationToken = default);

    [Post("/echo")]
    Task<Stream> EchoJsonAsync([Body] EchoPayload body, CancellationToken cancellationToken = default);

    [Post("/echo")]
    Task<Stream> EchoFormAsync([Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form, CancellationToken cancellationToken = default);

    [Multipart]
    [Post("/echo")]
    Task<Stream> EchoMultipartAsync([AliasAs("file")] ByteArrayPart file, [AliasAs("note")] string note, CancellationToken cancellationToken = default);

    [Get("/headers")]
    Task<Dictionary<string, string>> HeadersAsync([Header("Authorization")] string? authorization, [Header("testing")] string? testing, CancellationToken cancellationToken = default);

    [Get("/headers-auth")]
    Task<Dictionary<string, string>> SessionHeadersAsync([Header("testing")] string? testing, CancellationToken cancellationToken = default);

    [Post("/logout")]
    Task<string> LogoutAsync(CancellationToken cancellationToken = default);
}

/// <summary>The login body.</summary>
public sealed record LoginBody(string UserId);

/// <summary>A JSON body with text that a re-encoding would change.</summary>
public sealed record EchoPayload(string Name, int Count, string[] Tags);

/// <summary>Helpers for JSON header maps.</summary>
internal static class Json
{
    public static Dictionary<string, string> Headers(string? json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json ?? "{}") ?? [];
}
