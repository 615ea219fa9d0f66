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
/// <item>anonymous: GET /hello (no authorization) with no token: unprotected app, the Sesame app (the no-token path), the floor app
/// (what the two middlewares cost on an anonymous endpoint with the cheapest scheme).</item>
/// </list>
/// Like Kestrel, the stand-in reuses its per-connection objects across requests (the feature collection, the hosting context and its
/// <c>DefaultHttpContext</c>, the response headers and body writer), so the rows show what a request allocates on a kept-alive
/// connection, and differences between rows are the schemes' own.
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

    [Benchmark(Description = "floor app (the middlewares around the constant-ticket scheme)")]
    [BenchmarkCategory(Anonymous)]
    public Task<int> Anonymous_Floor() => _floor.SendAsync("GET", "/hello", _noHeaders);

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
                     ("anonymous unprotected", Anonymous_Unprotected), ("anonymous Sesame", Anonymous_Sesame), ("anonymous floor", Anonymous_Floor),
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
        private readonly ConnectionFeatures _features;

        private InProcessApp(WebApplication app)
        {
            _app = app;
            _server = (PipelineServer)app.Services.GetRequiredService<IServer>();
            _features = _server.NewConnection();
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
            _features.Reset(method, path, headers, Stream.Null, capture: false);
            await _server.ProcessAsync(_features).ConfigureAwait(false);
            await _features.Response.CompleteAsync().ConfigureAwait(false);
            await _features.Response.RunOnCompletedAsync().ConfigureAwait(false);
            return _features.Response.StatusCode;
        }

        public async Task<(int Status, IHeaderDictionary Headers, string Body)> SendForResponseAsync(string method, string path, HeaderDictionary headers,
            string? body)
        {
            _features.Reset(method, path, headers, body is null ? Stream.Null : new MemoryStream(Encoding.UTF8.GetBytes(body)), capture: true);
            await _server.ProcessAsync(_features).ConfigureAwait(false);
            var response = _features.Response;
            await response.CompleteAsync().ConfigureAwait(false);
            await response.RunOnCompletedAsync().ConfigureAwait(false);
            var headersCopy = new HeaderDictionary();
            foreach (var (name, value) in response.Headers)
            {
                headersCopy[name] = value;
            }

            return (response.StatusCode, headersCopy, response.CapturedBody());
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
        private Func<ConnectionFeatures>? _newConnection;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            // Kestrel's per-connection features hold the hosting context, so its DefaultHttpContext is reused request after request.
            _newConnection = static () => new ConnectionFeatures<TContext>();
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

        public ConnectionFeatures NewConnection() => _newConnection!();

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
        private readonly DiscardingPipeWriter _discard = new();
        private StreamResponseBodyFeature? _body;

        public int StatusCode { get; set; } = 200;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        public Stream Body
        {
            get => Stream;
            set => throw new NotSupportedException();
        }

        public bool HasStarted { get; private set; }

        public Stream Stream => _body?.Stream ?? Stream.Null;

        public System.IO.Pipelines.PipeWriter Writer => _body?.Writer ?? _discard;

        public void Reset(bool capture)
        {
            StatusCode = 200;
            ReasonPhrase = null;
            HasStarted = false;
            Headers.Clear();
            _onCompleted.Clear();
            _captured.SetLength(0);
            // Measured requests write to a reused writer that discards; setup requests capture the body.
            _body = capture ? new StreamResponseBodyFeature(_captured) : null;
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

        public void DisableBuffering() => _body?.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            HasStarted = true;
            return _body?.StartAsync(cancellationToken) ?? Task.CompletedTask;
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task CompleteAsync() => _body?.CompleteAsync() ?? Task.CompletedTask;
    }

    /// <summary>A response body writer that drops what it is given into one reused buffer (the network's place).</summary>
    private sealed class DiscardingPipeWriter : System.IO.Pipelines.PipeWriter
    {
        private readonly byte[] _buffer = new byte[4096];

        public override void Advance(int bytes)
        {
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => sizeHint <= _buffer.Length ? _buffer : new byte[sizeHint];

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<System.IO.Pipelines.FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;
    }

    /// <summary>
    /// One connection's features, reused by every request on it as Kestrel does: request and response in fixed slots, the rest (what
    /// middleware sets per request) in a list emptied between requests.
    /// </summary>
    private class ConnectionFeatures : IFeatureCollection
    {
        private readonly HttpRequestFeature _request = new() { Scheme = "http", Protocol = "HTTP/1.1", PathBase = string.Empty, QueryString = string.Empty };
        private readonly List<KeyValuePair<Type, object>> _extra = [];
        private int _revision;

        public BenchResponse Response { get; } = new();

        public bool IsReadOnly => false;

        public int Revision => _revision;

        public object? this[Type key]
        {
            get
            {
                if (key == typeof(IHttpRequestFeature))
                {
                    return _request;
                }

                if (key == typeof(IHttpResponseFeature) || key == typeof(IHttpResponseBodyFeature))
                {
                    return Response;
                }

                foreach (var (type, feature) in _extra)
                {
                    if (type == key)
                    {
                        return feature;
                    }
                }

                return null;
            }

            set
            {
                _revision++;
                for (var i = 0; i < _extra.Count; i++)
                {
                    if (_extra[i].Key == key)
                    {
                        if (value is null)
                        {
                            _extra.RemoveAt(i);
                        }
                        else
                        {
                            _extra[i] = new(key, value);
                        }

                        return;
                    }
                }

                if (value is not null)
                {
                    _extra.Add(new(key, value));
                }
            }
        }

        public void Reset(string method, string path, HeaderDictionary headers, Stream body, bool capture)
        {
            _extra.Clear();
            _revision++;
            _request.Method = method;
            _request.Path = path;
            _request.Headers = headers;
            _request.Body = body;
            Response.Reset(capture);
        }

        public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

        public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
        {
            yield return new(typeof(IHttpRequestFeature), _request);
            yield return new(typeof(IHttpResponseFeature), Response);
            yield return new(typeof(IHttpResponseBodyFeature), Response);
            foreach (var entry in _extra)
            {
                yield return entry;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The connection features also hold the hosting layer's per-request context, which it then reuses (Kestrel's pooling).</summary>
    private sealed class ConnectionFeatures<TContext> : ConnectionFeatures, Microsoft.AspNetCore.Hosting.Server.Abstractions.IHostContextContainer<TContext>
        where TContext : notnull
    {
        public TContext? HostContext { get; set; }
    }
}
