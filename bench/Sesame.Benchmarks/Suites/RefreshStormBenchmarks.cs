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
/// before each expired storm. Every iteration checks the server's refresh counter and every response's status.
/// </summary>
[MemoryDiagnoser]
public class RefreshStormBenchmarks
{
    private BenchServerProcess _server = null!;
    private ServiceProvider _services = null!;
    private RefreshCoordinator _coordinator = null!;
    private HttpClient _client = null!;
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

    [IterationCleanup(Target = nameof(ExpiredTokenStorm))]
    public void AfterExpiredStorm() => ExpectRefreshesAsync(1).GetAwaiter().GetResult();

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
        await PrepareAsync(expire: false).ConfigureAwait(false);
        await StormAsync().ConfigureAwait(false);
    }

    internal async Task CleanupAsync()
    {
        _client?.Dispose();
        _control?.Dispose();
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
        using (var login = await _client.PostAsJsonAsync(new Uri(_server.BaseAddress, "login"), new { userId = "bench-user-0001" })
            .ConfigureAwait(false))
        {
            login.EnsureSuccessStatusCode();
        }

        using (var reset = await _control.PostAsync("bench/counters/reset", null).ConfigureAwait(false))
        {
            reset.EnsureSuccessStatusCode();
        }

        if (expire)
        {
            await AdvanceServerClockAsync(61).ConfigureAwait(false);
        }
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

    /// <summary>N concurrent GETs of the protected endpoint; throws unless every one answered 200.</summary>
    internal async Task<int> StormAsync()
    {
        var calls = new Task<HttpResponseMessage>[Calls];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = _client.GetAsync(_protected);
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
}
