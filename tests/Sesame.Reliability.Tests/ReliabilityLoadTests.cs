using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sesame.Reliability.Tests.Infrastructure;

namespace Sesame.Reliability.Tests;

/// <summary>
/// 100 workers (10 sessions × 10 workers each, every session a separately built client) make 10,000 calls over 10 access-token
/// lifetimes on loopback. Time is a FakeTimeProvider shared by client and server and advanced between waves, so every wave starts
/// with all 10 sessions expired and nothing expires inside a wave: the expected count is exact on any machine, however slow.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class ReliabilityLoadTests
{
    private const int Sessions = 10;
    private const int WorkersPerSession = 10;
    private const int Waves = 10;
    private const int CallsPerWorkerPerWave = 10;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Reliability_load_100_workers_10000_calls_over_10_lifetimes_no_failed_call_refreshes_equal_expiries()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time);
        var clients = new TestClient[Sessions];
        for (var i = 0; i < Sessions; i++)
        {
            clients[i] = TestClient.Create(server, time: time);
            await clients[i].LoginAsync("user-" + i);
        }

        server.ResetCounters();
        var calls = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var expiries = 0;
        var waveTimes = new List<double>();
        var total = Stopwatch.StartNew();
        try
        {
            for (var wave = 0; wave < Waves; wave++)
            {
                time.Advance(Lifetime + TimeSpan.FromSeconds(1));
                expiries += Sessions;
                var waveClock = Stopwatch.StartNew();
                var workers = new List<Task>();
                for (var s = 0; s < Sessions; s++)
                {
                    var client = clients[s];
                    var user = "user-" + s;
                    for (var w = 0; w < WorkersPerSession; w++)
                    {
                        workers.Add(Task.Run(async () =>
                        {
                            for (var k = 0; k < CallsPerWorkerPerWave; k++)
                            {
                                try
                                {
                                    using var response = await client.Api.GetAsync("/");
                                    var body = await response.Content.ReadAsStringAsync();
                                    if (response.StatusCode != HttpStatusCode.OK || body != user)
                                    {
                                        failures.Enqueue($"{user}: {(int)response.StatusCode} {body}");
                                    }
                                }
                                catch (Exception ex)
                                {
                                    failures.Enqueue($"{user}: {ex.GetType().Name} {ex.Message}");
                                }

                                Interlocked.Increment(ref calls);
                            }
                        }));
                    }
                }

                await Task.WhenAll(workers);
                waveTimes.Add(waveClock.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        total.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{calls} calls, {failures.Count} failed, {expiries} expiries, {server.RefreshCalledCount} refreshes " +
            $"({server.RefreshAttemptedCount} attempts), {server.GetSessionCalledCount} GET / served, {total.Elapsed.TotalSeconds:0.0} s; " +
            $"waves (ms): {string.Join(", ", waveTimes.Select(t => t.ToString("0")))}");
        Assert.Equal(Sessions * WorkersPerSession * Waves * CallsPerWorkerPerWave, calls);
        Assert.Empty(failures);
        Assert.Equal(expiries, server.RefreshCalledCount);
        Assert.Equal(expiries, server.RefreshAttemptedCount);
        Assert.Equal(calls, server.GetSessionCalledCount);
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(60), $"the load took {total.Elapsed.TotalSeconds:0.0} s");
    }
}
