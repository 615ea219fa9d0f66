namespace Sesame.Conformance;

/// <summary>
/// The reference test server's counters. The suite treats each port as its own server, so each listening port has
/// its own set (cross-origin tests read the second port's counters); sessions are shared by both.
/// </summary>
public sealed class PortCounters
{
    private int _refreshCalled;
    private int _refreshAttempted;
    private int _getSessionCalled;

    /// <summary>Successful refreshes (<c>/refreshCalledTime</c>).</summary>
    public int RefreshCalled => Volatile.Read(ref _refreshCalled);

    /// <summary>Every hit of the refresh endpoint, successful or not (<c>/refreshAttemptedTime</c>).</summary>
    public int RefreshAttempted => Volatile.Read(ref _refreshAttempted);

    /// <summary>Successful <c>GET /</c> calls (<c>/getSessionCalledTime</c>).</summary>
    public int GetSessionCalled => Volatile.Read(ref _getSessionCalled);

    internal void CountRefreshCalled() => Interlocked.Increment(ref _refreshCalled);

    internal void CountRefreshAttempted() => Interlocked.Increment(ref _refreshAttempted);

    internal void CountGetSessionCalled() => Interlocked.Increment(ref _getSessionCalled);

    /// <summary>Sets every counter to 0 (<c>POST /beforeeach</c>).</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _refreshCalled, 0);
        Interlocked.Exchange(ref _refreshAttempted, 0);
        Interlocked.Exchange(ref _getSessionCalled, 0);
    }
}
