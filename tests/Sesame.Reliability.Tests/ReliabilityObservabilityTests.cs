using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Reliability.Tests.Infrastructure;

namespace Sesame.Reliability.Tests;

/// <summary>
/// The server's and the client's metrics and refresh spans, seen through a real <see cref="MeterListener"/> and
/// <see cref="ActivityListener"/> across a login, refreshes, a theft, a refused refresh, a database outage and a sign-out.
/// Serial: the listeners are process-wide.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class ReliabilityObservabilityTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Reliability_observability_server_and_client_count_refreshes_failures_theft_and_sessions_and_trace_each_refresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time);
        var serverMeters = server.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // The server's meter comes from this host's IMeterFactory (its scope), so other hosts in the process do not count here.
                if ((instrument.Meter.Name == "Sesame.AspNetCore" && ReferenceEquals(instrument.Meter.Scope, serverMeters))
                    || instrument.Meter.Name == "Sesame.Client")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        meters.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
            measurements.Enqueue((instrument.Name, 1, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        meters.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Sesame.AspNetCore" or "Sesame.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(activities);

        // 2 logins (each new client first probes with a refresh), 2 refreshes, a replayed token (theft: a refused refresh and a revocation), a refresh without token, a sign-out.
        await using var client = TestClient.Create(server, time: time);
        await client.LoginAsync("alice");
        var stolen = client.Store.Current.RefreshToken!;
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "alice"), await client.GetAsync());
        using var raw = new Raw(server);
        (await raw.RefreshAsync(stolen)).Dispose();
        (await raw.RefreshAsync(null)).Dispose();
        await using var bob = TestClient.Create(server, time: time);
        await bob.LoginAsync("bob");
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "bob"), await bob.GetAsync());
        await bob.Session.SignOutAsync();
        meters.RecordObservableInstruments();

        long Sum(string instrument, string? tags = null) =>
            measurements.Where(m => m.Instrument == instrument && (tags is null || m.Tags.Contains(tags, StringComparison.Ordinal))).Sum(m => m.Value);

        Assert.Equal(2, Sum("sesame.server.sessions.created"));
        Assert.Equal(2, Sum("sesame.server.refreshes"));
        Assert.Equal(1, Sum("sesame.server.refresh.failures", "sesame.refresh.outcome=token_theft"));
        // Unauthorised: the refresh without a token, and each new client's probe (no local state ⇒ ask with a refresh: docs/protocol/refresh.md#probe).
        Assert.Equal(3, Sum("sesame.server.refresh.failures", "sesame.refresh.outcome=unauthorised"));
        Assert.Equal(1, Sum("sesame.server.token_theft.detected"));
        Assert.Equal(1, Sum("sesame.server.sessions.revoked", "sesame.revocation.reason=token_theft"));
        Assert.Equal(1, Sum("sesame.server.sessions.revoked", "sesame.revocation.reason=sign_out"));
        Assert.Equal(6, Sum("sesame.server.refresh.duration")); // one per refresh request: 2 refreshed + 1 theft + 3 unauthorised
        // The client side: its own refreshes by outcome (the clients here refreshed twice, once each).
        Assert.True(Sum("sesame.client.refreshes", "outcome=refreshed") >= 2);

        var serverSpans = spans.Where(s => s.OperationName == "Sesame.AspNetCore.Refresh").ToList();
        Assert.Equal(6, serverSpans.Count);
        Assert.Contains(serverSpans, s => (string?)s.GetTagItem("sesame.refresh.outcome") == "token_theft" && s.Status == ActivityStatusCode.Error);
        Assert.Contains(serverSpans, s => (string?)s.GetTagItem("sesame.refresh.outcome") == "refreshed" && s.Status != ActivityStatusCode.Error);
        Assert.True(spans.Count(s => s.OperationName == "Sesame.Client.Refresh") >= 2);
        // No span carries a token.
        foreach (var span in spans)
        {
            foreach (var tag in span.TagObjects)
            {
                Assert.DoesNotContain(stolen, tag.Value?.ToString() ?? "", StringComparison.Ordinal);
            }
        }
    }
}
