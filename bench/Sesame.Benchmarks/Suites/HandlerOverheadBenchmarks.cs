using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

namespace Sesame.Benchmarks;

/// <summary>
/// What the session handler itself costs per request on the valid-token path, without the network: requests go through an
/// <see cref="HttpMessageInvoker"/> to a terminal stub that answers a cached 200. The stub is a fake of the network only (it stands
/// where SocketsHttpHandler would); the session handler, the coordinator, the token store and the dialect in front of it are the real
/// ones, so the difference to the bare invoker is the handler's own time and allocation per request, free of loopback noise.
/// The stub answers asynchronously, as the network does: it returns an incomplete task, which the benchmark completes right after the
/// send started, on the same thread. The handler's async state machine is therefore boxed exactly as on the network, but no thread hop
/// adds noise; the stub's task costs every row the same.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HandlerOverheadBenchmarks
{
    private static readonly Uri ApiDomain = new("http://127.0.0.1:5080/");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Uri _getUri = new(ApiDomain, "hello");
    private readonly Uri _postUri = new(ApiDomain, "echo");
    private ServiceProvider _services = null!;
    private readonly NetworkStub _bareStub = new();
    private readonly NetworkStub _sesameStub = new();
    private readonly NetworkStub _bearerStub = new();
    private HttpMessageInvoker _bare = null!;
    private HttpMessageInvoker _sesame = null!;
    private HttpMessageInvoker _bearer = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var invoker in new[] { _bare, _sesame, _bearer })
        {
            invoker?.Dispose();
        }

        _services?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "stub only (no handler)")]
    [BenchmarkCategory("GET")]
    public int Get_Bare() => Get(_bare, _bareStub);

    [Benchmark(Description = "Sesame SessionHandler")]
    [BenchmarkCategory("GET")]
    public int Get_Sesame() => Get(_sesame, _sesameStub);

    [Benchmark(Description = "bearer DelegatingHandler")]
    [BenchmarkCategory("GET")]
    public int Get_Bearer() => Get(_bearer, _bearerStub);

    [Benchmark(Baseline = true, Description = "stub only (no handler)")]
    [BenchmarkCategory("POST")]
    public int Post_Bare() => Post(_bare, _bareStub);

    [Benchmark(Description = "Sesame SessionHandler")]
    [BenchmarkCategory("POST")]
    public int Post_Sesame() => Post(_sesame, _sesameStub);

    [Benchmark(Description = "bearer DelegatingHandler")]
    [BenchmarkCategory("POST")]
    public int Post_Bearer() => Post(_bearer, _bearerStub);

    internal async Task SetupAsync()
    {
        var accessToken = ClientTokens.AccessToken();
        var services = new ServiceCollection();
        services.AddSesameClient(options => options.ApiDomain = ApiDomain.GetLeftPart(UriPartial.Authority));
        _services = services.BuildServiceProvider();
        var coordinator = _services.GetRequiredService<RefreshCoordinator>();
        await coordinator.TokenStore.UpdateAsync(_ => ClientTokens.ValidSession(accessToken, TimeProvider.System), CancellationToken.None)
            .ConfigureAwait(false);

        _bare = new HttpMessageInvoker(_bareStub);
        _sesame = new HttpMessageInvoker(new SessionHandler(coordinator) { InnerHandler = _sesameStub });
        _bearer = new HttpMessageInvoker(new BearerTokenHandler(accessToken) { InnerHandler = _bearerStub });

        // The handler must really have attached the session (a benchmark of a pass-through would measure nothing).
        using var probe = new HttpRequestMessage(HttpMethod.Get, _getUri);
        var sending = _sesame.SendAsync(probe, CancellationToken.None);
        _sesameStub.Answer();
        await sending.ConfigureAwait(false);
        if (probe.Headers.Authorization?.Parameter != accessToken || !probe.Headers.Contains("rid"))
        {
            throw new InvalidOperationException("The session handler did not attach the session in the handler benchmark.");
        }
    }

    private static int Send(HttpMessageInvoker invoker, NetworkStub stub, HttpRequestMessage request)
    {
        var sending = invoker.SendAsync(request, CancellationToken.None);
        stub.Answer();
        return (int)sending.GetAwaiter().GetResult().StatusCode;
    }

    private int Get(HttpMessageInvoker invoker, NetworkStub stub)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _getUri);
        return Send(invoker, stub, request);
    }

    private int Post(HttpMessageInvoker invoker, NetworkStub stub)
    {
        using var content = new ByteArrayContent(ClientOverheadBenchmarks.PostBody);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, _postUri) { Content = content };
        return Send(invoker, stub, request);
    }

    /// <summary>A fake of the network only: answers every request with the same cached 200 (no body, no session headers; Date and Server as Kestrel sends them). The answer
    /// is pending until <see cref="Answer"/> (continuations run inline, on the caller's thread), as a network response is pending.</summary>
    private sealed class NetworkStub : HttpMessageHandler
    {
        private readonly HttpResponseMessage _response = NewResponse();

        private TaskCompletionSource<HttpResponseMessage>? _pending;

        // The response headers Kestrel sends on such a request, unparsed as they come off the wire, so the handler's look at the response
        // costs what it costs on the network.
        private static HttpResponseMessage NewResponse()
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK);
            response.Headers.TryAddWithoutValidation("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
            response.Headers.TryAddWithoutValidation("Server", "Kestrel");
            return response;
        }

        public void Answer()
        {
            var pending = _pending ?? throw new InvalidOperationException("No request reached the network stub.");
            _pending = null;
            pending.SetResult(_response);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _pending = new TaskCompletionSource<HttpResponseMessage>();
            return _pending.Task;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
