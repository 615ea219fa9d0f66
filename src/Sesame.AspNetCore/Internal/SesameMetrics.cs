using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The server's <see cref="Meter"/> "Sesame.AspNetCore" (created through the host's <see cref="IMeterFactory"/> when there is one, so
/// each host has its own). Every instrument checks <c>Enabled</c> first: with no listener a call costs one field read.
/// Names and units are documented in docs/observability.md.
/// </summary>
internal sealed class SesameMetrics
{
    public const string MeterName = "Sesame.AspNetCore";

    /// <summary>The tag naming a refresh's outcome on the duration histogram and the refresh span.</summary>
    public const string OutcomeTag = "sesame.refresh.outcome";

    /// <summary>The tag naming why sessions ended.</summary>
    public const string RevocationReasonTag = "sesame.revocation.reason";

    // Without a factory (a hand-built service) all instances share one process-wide meter.
    private static readonly Lazy<Meter> s_sharedMeter = new(static () => new Meter(MeterName, SesameActivitySource.Version));

    private readonly Counter<long> _sessionsCreated;
    private readonly Counter<long> _sessionsRevoked;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _refreshFailures;
    private readonly Counter<long> _theftDetected;
    private readonly Histogram<double> _refreshDuration;

    public SesameMetrics(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = SesameActivitySource.Version }) ?? s_sharedMeter.Value;
        _sessionsCreated = meter.CreateCounter<long>("sesame.server.sessions.created", "{session}", "Sessions created (logins).");
        _sessionsRevoked = meter.CreateCounter<long>("sesame.server.sessions.revoked", "{session}",
            "Sessions revoked; tag sesame.revocation.reason = sign_out | revoke | revoke_all | token_theft | refresh_rejected | session_cap.");
        _refreshes = meter.CreateCounter<long>("sesame.server.refreshes", "{refresh}", "Successful session refreshes.");
        _refreshFailures = meter.CreateCounter<long>("sesame.server.refresh.failures", "{refresh}",
            "Refused or failed session refreshes; tag sesame.refresh.outcome = unauthorised | token_theft | store_unavailable | duplicate_cookies.");
        _theftDetected = meter.CreateCounter<long>("sesame.server.token_theft.detected", "{detection}",
            "Superseded refresh tokens presented again (the session is revoked).");
        _refreshDuration = meter.CreateHistogram<double>("sesame.server.refresh.duration", "s",
            "Time spent handling a refresh; tag sesame.refresh.outcome = refreshed | unauthorised | token_theft | store_unavailable.");
    }

    public void SessionCreated()
    {
        if (_sessionsCreated.Enabled)
        {
            _sessionsCreated.Add(1);
        }
    }

    public void SessionsRevoked(int count, string reason)
    {
        if (count > 0 && _sessionsRevoked.Enabled)
        {
            _sessionsRevoked.Add(count, new KeyValuePair<string, object?>(RevocationReasonTag, reason));
        }
    }

    public void TokenTheftDetected()
    {
        if (_theftDetected.Enabled)
        {
            _theftDetected.Add(1);
        }
    }

    /// <summary>Counts one refresh by its outcome (refreshed, or the failure reason) and records its duration.</summary>
    public void RefreshHandled(string outcome, long startTimestamp)
    {
        var tag = new KeyValuePair<string, object?>(OutcomeTag, outcome);
        if (outcome == RefreshOutcomes.Refreshed)
        {
            if (_refreshes.Enabled)
            {
                _refreshes.Add(1);
            }
        }
        else if (_refreshFailures.Enabled)
        {
            _refreshFailures.Add(1, tag);
        }

        if (_refreshDuration.Enabled)
        {
            _refreshDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tag);
        }
    }
}
