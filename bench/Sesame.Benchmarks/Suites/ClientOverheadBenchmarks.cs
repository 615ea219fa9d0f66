using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Sesame.Client;

namespace Sesame.Benchmarks;

/// <summary>
/// What the client costs per request on the valid-token path, against a real Kestrel (its own process) on loopback with keep-alive:
/// a bare HttpClient (the physical limit, baseline), our SessionHandler, a hand-written DelegatingHandler adding a bearer header, and
/// that handler behind Microsoft.Extensions.Http.Resilience's standard pipeline. The server endpoints are unprotected, so every
/// variant costs the server the same apart from reading the extra headers.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClientOverheadBenchmarks
{
    /// <summary>The POST body of both client suites: a typical small JSON request (170 bytes).</summary>
    internal static readonly byte[] PostBody = Encoding.UTF8.GetBytes(
        """{"orderId":"3f2b8c4e-1d7a-4c2e-9b1f-6a5d4e3c2b1a","items":[{"sku":"A-100","quantity":2},{"sku":"B-200","quantity":1}],"note":"benchmark body of a typical small JSON request"}""");

    private BenchServerProcess _server = null!;
    private ServiceProvider _services = null!;
    private HttpClient _bare = null!;
    private HttpClient _sesame = null!;
    private HttpClient _bearer = null!;
    private HttpClient _resilient = null!;
    private Uri _getUri = null!;
    private Uri _postUri = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "HttpClient (bare)")]
    [BenchmarkCategory("GET")]
    public Task<int> Get_Bare() => GetAsync(_bare);

    [Benchmark(Description = "Sesame SessionHandler")]
    [BenchmarkCategory("GET")]
    public Task<int> Get_Sesame() => GetAsync(_sesame);

    [Benchmark(Description = "bearer DelegatingHandler")]
    [BenchmarkCategory("GET")]
    public Task<int> Get_Bearer() => GetAsync(_bearer);

    [Benchmark(Description = "bearer handler + standard resilience")]
    [BenchmarkCategory("GET")]
    public Task<int> Get_BearerResilience() => GetAsync(_resilient);

    [Benchmark(Baseline = true, Description = "HttpClient (bare)")]
    [BenchmarkCategory("POST")]
    public Task<int> Post_Bare() => PostAsync(_bare);

    [Benchmark(Description = "Sesame SessionHandler")]
    [BenchmarkCategory("POST")]
    public Task<int> Post_Sesame() => PostAsync(_sesame);

    [Benchmark(Description = "bearer DelegatingHandler")]
    [BenchmarkCategory("POST")]
    public Task<int> Post_Bearer() => PostAsync(_bearer);

    [Benchmark(Description = "bearer handler + standard resilience")]
    [BenchmarkCategory("POST")]
    public Task<int> Post_BearerResilience() => PostAsync(_resilient);

    internal async Task SetupAsync()
    {
        _server = await BenchServerProcess.StartAsync(["--mode", "unprotected"]).ConfigureAwait(false);
        _getUri = new Uri(_server.BaseAddress, "hello");
        _postUri = new Uri(_server.BaseAddress, "echo");
        var accessToken = ClientTokens.AccessToken();

        var services = new ServiceCollection();
        services.AddSesameClient(options => options.ApiDomain = _server.BaseAddress.GetLeftPart(UriPartial.Authority));
        // The resilience client below is built by IHttpClientFactory; drop the factory's logging handlers so it carries only the
        // pipeline under test (the other clients are composed by hand).
        // First added is outermost: the standard pipeline wraps the bearer handler.
        var resilient = services.AddHttpClient("resilient").ConfigurePrimaryHttpMessageHandler(NewSocketsHandler);
        resilient.AddStandardResilienceHandler();
        resilient.AddHttpMessageHandler(() => new BearerTokenHandler(accessToken));
        services.RemoveAll<IHttpMessageHandlerBuilderFilter>();
        _services = services.BuildServiceProvider();

        var coordinator = _services.GetRequiredService<RefreshCoordinator>();
        await coordinator.TokenStore.UpdateAsync(_ => ClientTokens.ValidSession(accessToken, TimeProvider.System), CancellationToken.None)
            .ConfigureAwait(false);

        _bare = new HttpClient(NewSocketsHandler());
        _sesame = new HttpClient(new SessionHandler(coordinator) { InnerHandler = NewSocketsHandler() });
        _bearer = new HttpClient(new BearerTokenHandler(accessToken) { InnerHandler = NewSocketsHandler() });
        _resilient = _services.GetRequiredService<IHttpClientFactory>().CreateClient("resilient");

        // Open the keep-alive connection of every client before measuring.
        foreach (var client in new[] { _bare, _sesame, _bearer, _resilient })
        {
            await GetAsync(client).ConfigureAwait(false);
            await PostAsync(client).ConfigureAwait(false);
        }
    }

    internal async Task CleanupAsync()
    {
        foreach (var client in new[] { _bare, _sesame, _bearer, _resilient })
        {
            client?.Dispose();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<int> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(_getUri).ConfigureAwait(false);
        return Check(response);
    }

    private async Task<int> PostAsync(HttpClient client)
    {
        using var content = new ByteArrayContent(PostBody);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(_postUri, content).ConfigureAwait(false);
        return Check(response);
    }

    private static int Check(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? (int)response.StatusCode : throw new InvalidOperationException($"unexpected {(int)response.StatusCode}");

    private static SocketsHttpHandler NewSocketsHandler() => new() { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false };
}

/// <summary>What most apps hand-write today: a DelegatingHandler that adds <c>Authorization: Bearer</c> from a cached value.</summary>
public sealed class BearerTokenHandler(string accessToken) : DelegatingHandler
{
    private readonly AuthenticationHeaderValue _header = new("Bearer", accessToken);

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _header;
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Client-side session state for the overhead benchmark (the client never parses the access token).</summary>
internal static class ClientTokens
{
    /// <summary>A JWT-shaped string of a Sesame access token's length (~870 characters).</summary>
    public static string AccessToken()
    {
        var random = new Random(42);
        var bytes = new byte[640];
        random.NextBytes(bytes);
        var body = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + body[..500] + "." + body[500..];
    }

    /// <summary>A session whose front token says the access token is valid for a day.</summary>
    public static SessionTokens ValidSession(string accessToken, TimeProvider time)
    {
        var expiry = time.GetUtcNow().AddDays(1).ToUnixTimeMilliseconds();
        var front = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"uid\":\"bench-user-0001\",\"ate\":" + expiry.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"up\":{}}"));
        return new SessionTokens
        {
            FrontToken = front,
            AccessToken = accessToken,
            RefreshToken = "refresh-token-not-used-by-this-benchmark",
            LastAccessTokenUpdate = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }
}
