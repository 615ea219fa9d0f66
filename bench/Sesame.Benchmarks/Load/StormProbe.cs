using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Sesame.Benchmarks;

/// <summary>
/// Times refresh storms outside BenchmarkDotNet (for profiling: attach dotnet-trace/counters to this process). Each round runs the
/// valid storm + 1 refresh (the baseline), a storm on the just-refreshed (unpromoted) token and the next one (promoted), then the expired
/// storm with its phases (ms from its start): when the last "try refresh" answer arrived, when the refresh completed, when the first
/// re-sent call went out and when the last answer arrived. The end prints the median of every figure.
/// Environment: SESAME_STORM_ROUNDS (default 5); SESAME_STORM_RAW=1 adds the server's cost per kind of request (bare client, no
/// session handler: valid, expired never verified, expired verified before, child token promoting, child token again);
/// SESAME_STORM_SERVER_CPUS (a taskset CPU list) re-pins the server after it started, for a layout other than <see cref="CpuPinning"/>'s
/// (run the driver as `taskset -c 0 dotnet ... storm-probe`, as bench/run does, and the server goes to CPU 1 on its own).
/// </summary>
internal static class StormProbe
{
    public static async Task RunAsync(int calls, TextWriter log)
    {
        var timeline = new StormTimeline();
        var storm = new RefreshStormBenchmarks { Calls = calls, TransportObserver = timeline };
        double refreshedAt = 0;
        storm.OnSessionEvent = e =>
        {
            if (e.Type == Sesame.Client.SessionEventType.RefreshSession)
            {
                refreshedAt = timeline.Now;
            }
        };
        await storm.SetupAsync().ConfigureAwait(false);
        // Server and driver on their own cores: steadier figures on a shared machine (see the class summary).
        if (Environment.GetEnvironmentVariable("SESAME_STORM_SERVER_CPUS") is { Length: > 0 } cpus)
        {
            using var pin = Process.Start("taskset", ["-a", "-p", "-c", cpus, storm.ServerProcessId.ToString(CultureInfo.InvariantCulture)]);
            await pin.WaitForExitAsync().ConfigureAwait(false);
        }

        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SESAME_STORM_ROUNDS"), CultureInfo.InvariantCulture, out var r) ? r : 5;
        var ratios = new List<double>();
        var figures = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        void Note(string name, double ms)
        {
            if (!figures.TryGetValue(name, out var list))
            {
                figures[name] = list = [];
            }

            list.Add(ms);
        }

        try
        {
            for (var round = 0; round < rounds; round++)
            {
                await storm.PrepareAsync(expire: false).ConfigureAwait(false);
                var valid = Stopwatch.StartNew();
                await storm.ValidTokenStormThenOneRefresh().ConfigureAwait(false);
                valid.Stop();
                await storm.ExpectRefreshesAsync(1).ConfigureAwait(false);
                var promoted = Stopwatch.StartNew();
                await storm.StormAsync().ConfigureAwait(false);
                var unpromotedMs = promoted.Elapsed.TotalMilliseconds;
                promoted.Restart();
                await storm.StormAsync().ConfigureAwait(false);
                var promotedMs = promoted.Elapsed.TotalMilliseconds;
                await storm.PrepareAsync(expire: true).ConfigureAwait(false);
                timeline.Start();
                var expired = Stopwatch.StartNew();
                await storm.ExpiredTokenStorm().ConfigureAwait(false);
                expired.Stop();
                var phases = timeline.Stop();
                await storm.ExpectRefreshesAsync(1).ConfigureAwait(false);
                var ratio = expired.Elapsed / valid.Elapsed;
                ratios.Add(ratio);
                Note("1 valid storm + 1 refresh", valid.Elapsed.TotalMilliseconds);
                Note("2 expired storm", expired.Elapsed.TotalMilliseconds);
                Note("3 storm on unpromoted token", unpromotedMs);
                Note("4 storm on promoted token", promotedMs);
                Note("5 expired: last 401", phases.Last401);
                Note("6 expired: refreshed", refreshedAt);
                Note("7 expired: last 200", phases.Last200);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{calls} calls: valid + 1 refresh {valid.Elapsed.TotalMilliseconds:F1} ms, expired {expired.Elapsed.TotalMilliseconds:F1} ms ({ratio:F2}x) | unpromoted storm {unpromotedMs:F1} ms, promoted {promotedMs:F1} ms | expired phases: last 401 at {phases.Last401:F1}, refreshed at {refreshedAt:F1}, first re-send at {phases.FirstRetry:F1}, last 200 at {phases.Last200:F1}"));
            }

            ratios.Sort();
            if (Environment.GetEnvironmentVariable("SESAME_STORM_RAW") == "1")
            {
                await RawRoundsAsync(storm, calls, rounds, log, Note).ConfigureAwait(false);
            }

            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{calls} calls, medians of {rounds} rounds (ms):"));
            foreach (var (name, values) in figures)
            {
                values.Sort();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name[(name.IndexOf(' ', StringComparison.Ordinal) + 1)..],-45} {values[values.Count / 2],8:F1}"));
            }

            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"ratio expired / (valid + 1 refresh)",-45} {ratios[ratios.Count / 2],8:F2}x (min {ratios[0]:F2}x, max {ratios[^1]:F2}x)"));
        }
        finally
        {
            await storm.CleanupAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The server's cost per kind of request, without the session handler: N concurrent GETs from a bare client (same pool size) with
    /// a valid token, an expired token (every answer "try refresh"), a just-refreshed child token (the first promotes it) and that child
    /// token again (promoted).
    /// </summary>
    private static async Task RawRoundsAsync(RefreshStormBenchmarks storm, int calls, int rounds, TextWriter log, Action<string, double> note)
    {
        using var raw = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false });
        async Task<double> RawStormAsync(string accessToken, int expectedStatus)
        {
            var clock = Stopwatch.StartNew();
            var sends = new Task<HttpResponseMessage>[calls];
            for (var i = 0; i < sends.Length; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, storm.ProtectedUri);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + accessToken);
                request.Headers.TryAddWithoutValidation("rid", "anti-csrf");
                request.Headers.TryAddWithoutValidation("st-auth-mode", "header");
                sends[i] = raw.SendAsync(request);
            }

            foreach (var send in sends)
            {
                using var response = await send.ConfigureAwait(false);
                if ((int)response.StatusCode != expectedStatus)
                {
                    throw new InvalidOperationException($"raw storm: {(int)response.StatusCode}, expected {expectedStatus}");
                }
            }

            return clock.Elapsed.TotalMilliseconds;
        }

        for (var round = 0; round < rounds; round++)
        {
            await storm.PrepareAsync(expire: false).ConfigureAwait(false);
            var valid = storm.Coordinator.TokenStore.Current.AccessToken!;
            await RawStormAsync(valid, 200).ConfigureAwait(false); // warms the raw client's connections
            var validMs = await RawStormAsync(valid, 200).ConfigureAwait(false);
            await storm.PrepareAsync(expire: true).ConfigureAwait(false);
            var expiredMs = await RawStormAsync(storm.Coordinator.TokenStore.Current.AccessToken!, 401).ConfigureAwait(false);

            // The same with a token the server verified once before it expired (it sits in the server's verified-token cache).
            await storm.PrepareAsync(expire: false).ConfigureAwait(false);
            var seen = storm.Coordinator.TokenStore.Current.AccessToken!;
            using (var once = new HttpRequestMessage(HttpMethod.Get, storm.ProtectedUri))
            {
                once.Headers.TryAddWithoutValidation("Authorization", "Bearer " + seen);
                once.Headers.TryAddWithoutValidation("rid", "anti-csrf");
                once.Headers.TryAddWithoutValidation("st-auth-mode", "header");
                using var answer = await raw.SendAsync(once).ConfigureAwait(false);
                answer.EnsureSuccessStatusCode();
            }

            await storm.AdvanceServerClockAsync(61).ConfigureAwait(false);
            var expiredSeenMs = await RawStormAsync(seen, 401).ConfigureAwait(false);
            var refresh = Stopwatch.StartNew();
            await storm.Session.AttemptRefreshingSessionAsync(CancellationToken.None).ConfigureAwait(false);
            var refreshMs = refresh.Elapsed.TotalMilliseconds;
            var child = storm.Coordinator.TokenStore.Current.AccessToken!;
            var childMs = await RawStormAsync(child, 200).ConfigureAwait(false);
            var promotedMs = await RawStormAsync(child, 200).ConfigureAwait(false);
            note("r1 raw: valid", validMs);
            note("r2 raw: expired, never verified (401)", expiredMs);
            note("r3 raw: expired, verified before (401)", expiredSeenMs);
            note("r4 raw: child token, promotes", childMs);
            note("r5 raw: child token again", promotedMs);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"raw {calls}: valid {validMs:F1} ms, expired (401) {expiredMs:F1} ms, expired seen before (401) {expiredSeenMs:F1} ms, refresh {refreshMs:F1} ms, child token (promotes) {childMs:F1} ms, child token again {promotedMs:F1} ms"));
        }
    }

    /// <summary>Records, while started, when each send went out and when its answer came (ms since <see cref="Start"/>).</summary>
    private sealed class StormTimeline : DelegatingHandler
    {
        private readonly ConcurrentQueue<(double Sent, double Answered, int Status)> _sends = new();
        private readonly Stopwatch _clock = new();
        private volatile bool _recording;

        public double Now => _clock.Elapsed.TotalMilliseconds;

        public void Start()
        {
            _sends.Clear();
            _clock.Restart();
            _recording = true;
        }

        public (double Last401, double FirstRetry, double Last200) Stop()
        {
            _recording = false;
            double last401 = 0, firstRetry = double.MaxValue, last200 = 0;
            foreach (var (sent, answered, status) in _sends)
            {
                if (status == 401)
                {
                    last401 = Math.Max(last401, answered);
                }
                else
                {
                    firstRetry = Math.Min(firstRetry, sent);
                    last200 = Math.Max(last200, answered);
                }
            }

            return (last401, firstRetry, last200);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!_recording)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var sent = Now;
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _sends.Enqueue((sent, Now, (int)response.StatusCode));
            return response;
        }
    }
}
