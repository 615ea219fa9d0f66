using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sesame.Client.Internal;

/// <summary>
/// The client's <see cref="Meter"/> "Sesame.Client", created through the app's <see cref="IMeterFactory"/> when the client is built by
/// dependency injection (so each container has its own meter), else one process-wide meter (the explicit API). Every instrument
/// checks <c>Enabled</c> first: with no listener a call costs one field read. Names and tags: docs/observability.md.
/// </summary>
internal sealed class SesameClientMetrics
{
    private static readonly Lazy<Meter> s_sharedMeter = new(static () => new Meter(SesameClientDiagnostics.Name, SesameClientDiagnostics.Version));

    private readonly Counter<long> _refreshes;
    private readonly Histogram<double> _refreshDuration;

    public SesameClientMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(new MeterOptions(SesameClientDiagnostics.Name) { Version = SesameClientDiagnostics.Version })
            ?? s_sharedMeter.Value;
        _refreshes = meter.CreateCounter<long>("sesame.client.refreshes", unit: "{refresh}",
            description: "Session refresh requests sent; tag sesame.refresh.outcome.");
        _refreshDuration = meter.CreateHistogram<double>("sesame.client.refresh.duration", unit: "s",
            description: "Duration of session refresh requests; tag sesame.refresh.outcome.");
    }

    /// <summary>Counts one refresh request by its outcome (refreshed | session_ended | api_error | network_error | canceled | incomplete) and records its duration.</summary>
    public void RecordRefresh(string outcome, long startTimestamp, Activity? activity)
    {
        activity?.SetTag(SesameClientDiagnostics.OutcomeTag, outcome);
        var tag = new KeyValuePair<string, object?>(SesameClientDiagnostics.OutcomeTag, outcome);
        if (_refreshes.Enabled)
        {
            _refreshes.Add(1, tag);
        }

        if (_refreshDuration.Enabled)
        {
            _refreshDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tag);
        }
    }
}
