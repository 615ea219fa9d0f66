using System.Net.Http.Json;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

namespace Sesame.Benchmarks;

/// <summary>
/// N concurrent calls through one SessionHandler on an expired access token must cost exactly one refresh and no failure; the wall
/// time is compared with the same storm on a valid token followed by one refresh round-trip (the baseline: the least any correct
/// client must spend). The server is a real Sesame server in its own process; its clock is moved past the access token's expiry
/// before each expired storm. The proactive variant is a second client with <see cref="SesameClientOptions.ProactiveRefresh"/> whose own
/// clock moves on with the server's, so it knows the token expired (docs/protocol/refresh.md#proactive-refresh). Every iteration checks
/// the server's refresh counter and every response's status.
/// </summary>
[MemoryDiagnoser]
public class RefreshStormBenchmarks
{
    private BenchServerProcess _server = null!;
    private ServiceProvider _services = null!;
    private RefreshCoordinator _coordinator = null!;
    private HttpClient _client = null!;
    private ServiceProvider _proactiveServices = null!;
    private HttpClient _proactiveClient = null!;
    private readonly MovableClock _proactiveClock = new();
    private HttpClient _control = null!;
    private Uri _protected = null!;

    /// <summary>Concurrent calls: 10, 100, 1,000, 10,000 (Dry: 10 and 100).</summary>
    public static IEnumerable<int> Sizes => BenchSettings.Profile == BenchProfile.Dry ? [10, 100] : [10, 100, 1_000, 10_000];

    /// <summary>The storm size.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Calls { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(ExpiredTokenStorm))]
    public void BeforeExpiredStorm() => PrepareAsync(expire: true).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(ValidTokenStormThenOneRefresh))]
    public void BeforeValidStorm() => PrepareAsync(expire: false).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(ExpiredTokenStormProactive))]
    public void BeforeProactiveStorm() => PrepareProactiveAsync().GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(ExpiredTokenStorm))]
    public void AfterExpiredStorm() => ExpectRefreshesAsync(1).GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(ExpiredTokenStormProactive))]
    public void AfterProactiveStorm() => ExpectRefreshesAsync(1).GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(ValidTokenStormThenOneRefresh))]
    public void AfterValidStorm() => ExpectRefreshesAsync(1).GetAwaiter().GetResult();

    /// <summary>The baseline: N calls with a valid token, then one refresh.</summary>
    [Benchmark(Baseline = true, Description = "valid token storm + 1 refresh round-trip")]
    public async Task<int> ValidTokenStormThenOneRefresh()
    {
        var ok = await StormAsync().ConfigureAwait(false);
        if (!await Session.AttemptRefreshingSessionAsync(CancellationToken.None).ConfigureAwait(false))
        {
            throw new InvalidOperationException("the refresh round-trip did not refresh");
        }

        return ok;
    }

    /// <summary>N calls on an expired token: one refresh, every call re-sent and answered 200.</summary>
    [Benchmark(Description = "expired token storm")]
    public Task<int> ExpiredTokenStorm() => StormAsync();

    /// <summary>N calls on a token the client knows has expired, with ProactiveRefresh: one refresh before the calls go out, no 401.</summary>
    [Benchmark(Description = "expired token storm, ProactiveRefresh")]
    public Task<int> ExpiredTokenStormProactive() => StormAsync(_proactiveClient);

    /// <summary>The protected endpoint (the storm probe sends raw requests to it).</summary>
    internal Uri ProtectedUri => _protected;

    /// <summary>The client's refresh coordinator (the storm probe reads the current tokens from it).</summary>
    internal RefreshCoordinator Coordinator => _coordinator;

    /// <summary>The client's session API (explicit refreshes).</summary>
    internal ISessionClient Session => _services.GetRequiredService<ISessionClient>();

    /// <summary>The server's process id (the storm probe pins it to a CPU).</summary>
    internal int ServerProcessId => _server.ProcessId;

    /// <summary>Profiling hook: a handler put between the session handler and the sockets (the storm probe times each send with it).</summary>
    internal DelegatingHandler? TransportObserver { get; set; }

    private HttpMessageHandler WrapTransport(HttpMessageHandler sockets)
    {
        if (TransportObserver is null)
        {
            return sockets;
        }

        TransportObserver.InnerHandler = sockets;
        return TransportObserver;
    }

    /// <summary>Profiling hook (the storm probe times the refresh with it).</summary>
    internal Action<SessionEvent>? OnSessionEvent { get; set; }

    internal async Task SetupAsync()
    {
        // One-minute access tokens; the expired storm moves the server clock 61 s ahead first.
        _server = await BenchServerProcess.StartAsync(["--mode", "sesame", "--count-refreshes", "--access-token-seconds", "60"])
            .ConfigureAwait(false);
        _protected = new Uri(_server.BaseAddress, "api/me");
        var services = new ServiceCollection();
        services.AddSesameClient(options =>
        {
            options.ApiDomain = _server.BaseAddress.GetLeftPart(UriPartial.Authority);
            options.OnSessionEvent = e => OnSessionEvent?.Invoke(e);
        });
        _services = services.BuildServiceProvider();
        _coordinator = _services.GetRequiredService<RefreshCoordinator>();
        // A bounded pool, as a real client has: 10,000 sockets at once would measure the kernel, not the client.
        _client = new HttpClient(new SessionHandler(_coordinator)
        {
            InnerHandler = WrapTransport(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false }),
        })
        { Timeout = TimeSpan.FromMinutes(2) };
        _control = new HttpClient { BaseAddress = _server.BaseAddress };

        // The proactive client: the same handler and pool, ProactiveRefresh on, its own clock (moved on with the server's).
        var proactive = new ServiceCollection();
        proactive.AddSingleton<TimeProvider>(_proactiveClock);
        proactive.AddSesameClient(options =>
        {
            options.ApiDomain = _server.BaseAddress.GetLeftPart(UriPartial.Authority);
            options.ProactiveRefresh = true;
        });
        _proactiveServices = proactive.BuildServiceProvider();
        _proactiveClient = new HttpClient(new SessionHandler(_proactiveServices.GetRequiredService<RefreshCoordinator>())
        {
            InnerHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false },
        })
        { Timeout = TimeSpan.FromMinutes(2) };

        await PrepareAsync(expire: false).ConfigureAwait(false);
        await StormAsync().ConfigureAwait(false);
        await LoginAsync(_proactiveClient).ConfigureAwait(false);
        await StormAsync(_proactiveClient).ConfigureAwait(false);
    }

    internal async Task CleanupAsync()
    {
        _client?.Dispose();
        _proactiveClient?.Dispose();
        _control?.Dispose();
        if (_proactiveServices is not null)
        {
            await _proactiveServices.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>A fresh session (login through the session handler), optionally expired by moving the server clock.</summary>
    internal async Task PrepareAsync(bool expire)
    {
        await LoginAsync(_client).ConfigureAwait(false);
        using (var reset = await _control.PostAsync("bench/counters/reset", null).ConfigureAwait(false))
        {
            reset.EnsureSuccessStatusCode();
        }

        if (expire)
        {
            await AdvanceServerClockAsync(61).ConfigureAwait(false);
        }
    }

    /// <summary>A fresh session for the proactive client, expired on both clocks: time passes for the server and the client alike.</summary>
    internal async Task PrepareProactiveAsync()
    {
        await LoginAsync(_proactiveClient).ConfigureAwait(false);
        using (var reset = await _control.PostAsync("bench/counters/reset", null).ConfigureAwait(false))
        {
            reset.EnsureSuccessStatusCode();
        }

        await AdvanceServerClockAsync(61).ConfigureAwait(false);
        _proactiveClock.Advance(TimeSpan.FromSeconds(61));
    }

    private async Task LoginAsync(HttpClient client)
    {
        using var login = await client.PostAsJsonAsync(new Uri(_server.BaseAddress, "login"), new { userId = "bench-user-0001" }).ConfigureAwait(false);
        login.EnsureSuccessStatusCode();
    }

    /// <summary>Moves the server's clock forward.</summary>
    internal async Task AdvanceServerClockAsync(int seconds)
    {
        using var clock = await _control.PostAsync(new Uri(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bench/clock?advanceSeconds={seconds}"), UriKind.Relative), null).ConfigureAwait(false);
        clock.EnsureSuccessStatusCode();
    }

    internal async Task ExpectRefreshesAsync(int expected)
    {
        using var document = JsonDocument.Parse(await _control.GetStringAsync("bench/counters").ConfigureAwait(false));
        var refreshes = document.RootElement.GetProperty("refreshAttempts").GetInt32();
        if (refreshes != expected)
        {
            throw new InvalidOperationException($"{Calls} concurrent calls caused {refreshes} refresh requests, expected {expected}");
        }
    }

    /// <summary>N concurrent GETs of the protected endpoint through the default client (ProactiveRefresh off); throws unless every one answered 200.</summary>
    internal Task<int> StormAsync() => StormAsync(_client);

    /// <summary>N concurrent GETs of the protected endpoint through <paramref name="client"/>; throws unless every one answered 200.</summary>
    private async Task<int> StormAsync(HttpClient client)
    {
        var calls = new Task<HttpResponseMessage>[Calls];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = client.GetAsync(_protected);
        }

        var failures = 0;
        foreach (var call in calls)
        {
            try
            {
                using var response = await call.ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    failures++;
                }
            }
            catch (HttpRequestException)
            {
                failures++;
            }
        }

        return failures == 0 ? calls.Length : throw new InvalidOperationException($"{failures} of {calls.Length} concurrent calls failed");
    }

    /// <summary>The system clock plus an offset that only grows (the proactive client's clock, moved on with the server's).</summary>
    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
