using System.Diagnostics;

namespace Sesame.Benchmarks;

/// <summary>Times refresh storms outside BenchmarkDotNet (for profiling: attach dotnet-trace/counters to this process).</summary>
internal static class StormProbe
{
    public static async Task RunAsync(int calls, TextWriter log)
    {
        var storm = new RefreshStormBenchmarks { Calls = calls };
        var clock = Stopwatch.StartNew();
        double refreshedAt = 0;
        storm.OnSessionEvent = e =>
        {
            if (e.Type == Sesame.Client.SessionEventType.RefreshSession)
            {
                refreshedAt = clock.Elapsed.TotalMilliseconds;
            }
        };
        await storm.SetupAsync().ConfigureAwait(false);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                await storm.PrepareAsync(expire: false).ConfigureAwait(false);
                var valid = Stopwatch.StartNew();
                await storm.ValidTokenStormThenOneRefresh().ConfigureAwait(false);
                valid.Stop();
                await storm.ExpectRefreshesAsync(1).ConfigureAwait(false);
                var promoted = Stopwatch.StartNew();
                await storm.StormAsync().ConfigureAwait(false);
                log.WriteLine($"  storm on a just-refreshed (unpromoted) token: {promoted.Elapsed.TotalMilliseconds:F1} ms");
                promoted.Restart();
                await storm.StormAsync().ConfigureAwait(false);
                log.WriteLine($"  next storm (promoted token): {promoted.Elapsed.TotalMilliseconds:F1} ms");
                await storm.PrepareAsync(expire: true).ConfigureAwait(false);
                clock.Restart();
                var expired = Stopwatch.StartNew();
                await storm.ExpiredTokenStorm().ConfigureAwait(false);
                expired.Stop();
                await storm.ExpectRefreshesAsync(1).ConfigureAwait(false);
                log.WriteLine($"{calls} calls: valid + 1 refresh {valid.Elapsed.TotalMilliseconds:F1} ms, expired {expired.Elapsed.TotalMilliseconds:F1} ms ({expired.Elapsed / valid.Elapsed:F2}x), refreshed at {refreshedAt:F1} ms");
            }
        }
        finally
        {
            await storm.CleanupAsync().ConfigureAwait(false);
        }
    }
}
