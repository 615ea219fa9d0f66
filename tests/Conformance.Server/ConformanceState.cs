using System.Collections.Concurrent;

namespace Sesame.Conformance;

/// <summary>What both ports share (the apps and the session backend) and what each port has alone (counters).</summary>
internal sealed class ConformanceState(AppRegistry apps, SessionBackendHost backend)
{
    private readonly ConcurrentDictionary<int, PortCounters> _counters = new();

    public AppRegistry Apps { get; } = apps;

    public SessionBackendHost Backend { get; } = backend;

    /// <summary>The counters of the port the request came in on.</summary>
    public PortCounters CountersFor(HttpContext context) => CountersFor(context.Connection.LocalPort);

    public PortCounters CountersFor(int port) => _counters.GetOrAdd(port, static _ => new PortCounters());
}
