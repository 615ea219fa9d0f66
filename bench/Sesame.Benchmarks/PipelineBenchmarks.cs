using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Benchmarks.Server;

namespace Sesame.Benchmarks;

/// <summary>
/// One request through a benchmark server's whole ASP.NET Core pipeline (hosting, routing, authentication, authorization, the
/// endpoint), in process and without the network, so what a scheme costs per request is measured deterministically and with its
/// allocations. The apps are the benchmark server's own (<c>BenchApp</c>: same services, middleware and endpoints as the wrk runs;
/// Sesame on a real SQLite file); a server stand-in hands over the hosting pipeline and each benchmark feeds it a request.
/// <list type="bullet">
/// <item>unprotected: GET /api/me with no authentication at all (the baseline);</item>
/// <item>floor: UseAuthentication/UseAuthorization + RequireAuthorization around a handler that returns one constant ticket
/// (what any scheme costs at minimum);</item>
/// <item>Sesame: the same endpoint protected by Sesame, a valid access token in <c>Authorization: Bearer</c>;</item>
/// <item>JwtBearer: the same endpoint protected by ASP.NET Core's JwtBearer, a valid RS256 token;</item>
/// <item>anonymous: GET /hello (no authorization) with no token, unprotected app vs the Sesame app (the no-token path).</item>
/// </list>
/// The harness's own per-request objects (feature collection, request/response features, a response body writer) are the same
/// in every variant, so differences between rows are the schemes' own.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PipelineBenchmarks
{
    internal const string Protected = "protected GET /api/me";
    internal const string Anonymous = "anonymous GET /hello, no token";

    private readonly List<string> _databases = [];
    private InProcessApp _unprotected = null!;
    private InProcessApp _floor = null!;
    private InProcessApp _sesame = null!;
    private InProcessApp _jwtBearer = null!;
    private HeaderDictionary _noHeaders = null!;
    private HeaderDictionary _sesameHeaders = null!;
    private HeaderDictionary _jwtHeaders = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "unprotected")]
    [BenchmarkCategory(Protected)]
    public Task<int> Protected_Unprotected() => _unprotected.SendAsync("GET", "/api/me", _noHeaders);

    [Benchmark(Description = "floor (constant-ticket scheme + RequireAuthorization)")]
    [BenchmarkCategory(Protected)]
    public Task<int> Protected_Floor() => _floor.SendAsync("GET", "/api/me", _noHeaders);

    [Benchmark(Description = "Sesame (valid header token)")]
    [BenchmarkCategory(Protected)]
    public Task<int> Protected_Sesame() => _sesame.SendAsync("GET", "/api/me", _sesameHeaders);

    [Benchmark(Description = "JwtBearer (valid RS256 token)")]
    [BenchmarkCategory(Protected)]
    public Task<int> Protected_JwtBearer() => _jwtBearer.SendAsync("GET", "/api/me", _jwtHeaders);

    [Benchmark(Baseline = true, Description = "unprotected")]
    [BenchmarkCategory(Anonymous)]
    public Task<int> Anonymous_Unprotected() => _unprotected.SendAsync("GET", "/hello", _noHeaders);

    [Benchmark(Description = "Sesame app (authentication runs, no token)")]
    [BenchmarkCategory(Anonymous)]
    public Task<int> Anonymous_Sesame() => _sesame.SendAsync("GET", "/hello", _noHeaders);

    internal async Task SetupAsync()
    {
        _unprotected = await InProcessApp.StartAsync(Settings(BenchServerMode.Unprotected), null).ConfigureAwait(false);
        _floor = await InProcessApp.StartAsync(Settings(BenchServerMode.Floor), null).ConfigureAwait(false);
        var database = Path.Combine(Path.GetTempPath(), "sesame-bench", Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        _databases.Add(database);
        _sesame = await InProcessApp.StartAsync(Settings(BenchServerMode.Sesame), database).ConfigureAwait(false);
        _jwtBearer = await InProcessApp.StartAsync(Settings(BenchServerMode.JwtBearer), null).ConfigureAwait(false);

        _noHeaders = new HeaderDictionary { ["Host"] = "127.0.0.1" };
        var login = await _sesame.SendForResponseAsync("POST", "/login", new HeaderDictionary
        {
            ["Host"] = "127.0.0.1",
            ["Content-Type"] = "application/json",
            ["st-auth-mode"] = "header",
        }, """{"userId":"bench-user-0001"}""").ConfigureAwait(false);
        var sesameToken = login.Headers["st-access-token"].ToString();
        _sesameHeaders = new HeaderDictionary { ["Host"] = "127.0.0.1", ["Authorization"] = "Bearer " + sesameToken };
        var jwtToken = (await _jwtBearer.SendForResponseAsync("GET", "/bench/token", _noHeaders, null).ConfigureAwait(false)).Body;
        _jwtHeaders = new HeaderDictionary { ["Host"] = "127.0.0.1", ["Authorization"] = "Bearer " + jwtToken };

        // Every variant must answer 200 (a 401 would be a much cheaper, and wrong, measurement).
        foreach (var (name, run) in new (string, Func<Task<int>>)[]
                 {
                     ("unprotected", Protected_Unprotected), ("floor", Protected_Floor), ("Sesame", Protected_Sesame), ("JwtBearer", Protected_JwtBearer),
                     ("anonymous unprotected", Anonymous_Unprotected), ("anonymous Sesame", Anonymous_Sesame),
                 })
        {
            var status = await run().ConfigureAwait(false);
            if (status != StatusCodes.Status200OK)
            {
                throw new InvalidOperationException($"{name} answered {status}, not 200");
            }
        }
    }

    internal async Task CleanupAsync()
    {
        foreach (var app in new[] { _unprotected, _floor, _sesame, _jwtBearer })
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var database in _databases)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(database + suffix);
            }
        }
    }

    private static BenchServerSettings Settings(BenchServerMode mode) => new(mode, 0, null, null, 3600, false);

    /// <summary>A benchmark server's app started behind <see cref="PipelineServer"/> instead of Kestrel.</summary>
    private sealed class InProcessApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly PipelineServer _server;
        private readonly BenchResponse _response = new();
        private readonly FeatureCollection _defaults = new();
        private readonly HttpRequestFeature _request = new() { Scheme = "http", Protocol = "HTTP/1.1", PathBase = string.Empty, QueryString = string.Empty };

        private InProcessApp(WebApplication app)
        {
            _app = app;
            _server = (PipelineServer)app.Services.GetRequiredService<IServer>();
            _defaults.Set<IHttpRequestFeature>(_request);
            _defaults.Set<IHttpResponseFeature>(_response);
            _defaults.Set<IHttpResponseBodyFeature>(_response);
        }

        public static async Task<InProcessApp> StartAsync(BenchServerSettings settings, string? database)
        {
            var app = BenchApp.Build(settings, database, builder => builder.Services.AddSingleton<IServer, PipelineServer>());
            await app.StartAsync().ConfigureAwait(false);
            return new InProcessApp(app);
        }

        /// <summary>One request; the status code. The request objects are reused, the context and its features are new each time (as Kestrel's per-request state is reset).</summary>
        public async Task<int> SendAsync(string method, string path, HeaderDictionary headers)
        {
            _request.Method = method;
            _request.Path = path;
            _request.Headers = headers;
            _request.Body = Stream.Null;
            _response.Reset();
            await _server.ProcessAsync(new FeatureCollection(_defaults)).ConfigureAwait(false);
            await _response.CompleteAsync().ConfigureAwait(false);
            await _response.RunOnCompletedAsync().ConfigureAwait(false);
            return _response.StatusCode;
        }

        public async Task<(int Status, IHeaderDictionary Headers, string Body)> SendForResponseAsync(string method, string path, HeaderDictionary headers,
            string? body)
        {
            _request.Method = method;
            _request.Path = path;
            _request.Headers = headers;
            _request.Body = body is null ? Stream.Null : new MemoryStream(Encoding.UTF8.GetBytes(body));
            _response.Reset(capture: true);
            await _server.ProcessAsync(new FeatureCollection(_defaults)).ConfigureAwait(false);
            await _response.CompleteAsync().ConfigureAwait(false);
            await _response.RunOnCompletedAsync().ConfigureAwait(false);
            var headersCopy = new HeaderDictionary();
            foreach (var (name, value) in _response.Headers)
            {
                headersCopy[name] = value;
            }

            return (_response.StatusCode, headersCopy, _response.CapturedBody());
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stands in for Kestrel: keeps the hosting pipeline the host starts it with, and runs requests through it.</summary>
    private sealed class PipelineServer : IServer
    {
        private Func<IFeatureCollection, Task>? _process;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            _process = async features =>
            {
                var context = application.CreateContext(features);
                Exception? error = null;
                try
                {
                    await application.ProcessRequestAsync(context).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }
                finally
                {
                    application.DisposeContext(context, error);
                }
            };
            return Task.CompletedTask;
        }

        public Task ProcessAsync(IFeatureCollection features) => _process!(features);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    /// <summary>The response side of the stand-in server: status, headers, a body sink, and the OnCompleted callbacks (request-scope disposal).</summary>
    private sealed class BenchResponse : IHttpResponseFeature, IHttpResponseBodyFeature
    {
        private readonly MemoryStream _captured = new();
        private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];
        private StreamResponseBodyFeature _body = new(Stream.Null);

        public int StatusCode { get; set; } = 200;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        public Stream Body
        {
            get => _body.Stream;
            set => throw new NotSupportedException();
        }

        public bool HasStarted { get; private set; }

        public Stream Stream => _body.Stream;

        public System.IO.Pipelines.PipeWriter Writer => _body.Writer;

        public void Reset(bool capture = false)
        {
            StatusCode = 200;
            ReasonPhrase = null;
            HasStarted = false;
            Headers = new HeaderDictionary();
            _onCompleted.Clear();
            _captured.SetLength(0);
            _body = new StreamResponseBodyFeature(capture ? _captured : Stream.Null);
        }

        public string CapturedBody() => Encoding.UTF8.GetString(_captured.GetBuffer(), 0, (int)_captured.Length);

        public void OnStarting(Func<object, Task> callback, object state)
        {
        }

        public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add((callback, state));

        public async Task RunOnCompletedAsync()
        {
            for (var i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Callback(_onCompleted[i].State).ConfigureAwait(false);
            }

            _onCompleted.Clear();
        }

        public void DisableBuffering() => _body.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            HasStarted = true;
            return _body.StartAsync(cancellationToken);
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            _body.SendFileAsync(path, offset, count, cancellationToken);

        public Task CompleteAsync() => _body.CompleteAsync();
    }
}
