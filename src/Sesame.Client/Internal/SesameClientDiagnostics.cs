using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sesame.Client.Internal;

/// <summary>One <see cref="ActivitySource"/> and one <see cref="Meter"/> named "Sesame.Client"; they cost nothing when nobody listens.</summary>
internal static class SesameClientDiagnostics
{
    public const string Name = "Sesame.Client";
    private static readonly string? s_version = typeof(SesameClientDiagnostics).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(Name, s_version);
    public static readonly Meter Meter = new(Name, s_version);

    /// <summary>Refresh requests sent, tagged <c>outcome</c> = refreshed | session_ended | api_error | network_error | canceled | incomplete.</summary>
    public static readonly Counter<long> Refreshes = Meter.CreateCounter<long>("sesame.client.refreshes", unit: "{refresh}", description: "Session refresh requests sent.");

    /// <summary>Refresh round-trip time.</summary>
    public static readonly Histogram<double> RefreshDuration = Meter.CreateHistogram<double>("sesame.client.refresh.duration", unit: "s", description: "Duration of session refresh requests.");

    public static void RecordRefresh(string outcome, long startTimestamp)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        if (Refreshes.Enabled)
        {
            Refreshes.Add(1, tag);
        }

        if (RefreshDuration.Enabled)
        {
            RefreshDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tag);
        }
    }
}
