namespace Demo;

/// <summary>What the demo server did since it started, for the pages' "refreshes performed by the server" line.</summary>
internal sealed class DemoStats
{
    private int _sessionsCreated;
    private int _refreshCount;
    private int _theftDetectedCount;

    public void SessionCreated() => Interlocked.Increment(ref _sessionsCreated);

    public void SessionRefreshed() => Interlocked.Increment(ref _refreshCount);

    public void TokenTheftDetected() => Interlocked.Increment(ref _theftDetectedCount);

    public DemoStatsSnapshot Snapshot() => new(
        Volatile.Read(ref _sessionsCreated), Volatile.Read(ref _refreshCount), Volatile.Read(ref _theftDetectedCount));
}

/// <summary>The counters as <c>GET /api/stats</c> returns them.</summary>
internal sealed record DemoStatsSnapshot(int SessionsCreated, int RefreshCount, int TheftDetectedCount);
