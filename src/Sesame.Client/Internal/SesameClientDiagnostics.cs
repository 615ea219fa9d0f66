using System.Diagnostics;

namespace Sesame.Client.Internal;

/// <summary>The client's <see cref="ActivitySource"/> "Sesame.Client" (process-wide, as the BCL's own sources are); it costs nothing when nobody listens.</summary>
internal static class SesameClientDiagnostics
{
    public const string Name = "Sesame.Client";

    /// <summary>The tag naming a refresh's outcome, on the metrics and the refresh span (the server uses the same name).</summary>
    public const string OutcomeTag = "sesame.refresh.outcome";

    public static readonly string? Version = typeof(SesameClientDiagnostics).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(Name, Version);
}
