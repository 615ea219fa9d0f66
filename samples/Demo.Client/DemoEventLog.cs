using Sesame.Client;

namespace Demo.Client;

/// <summary>The session events of this tab, newest first, for the page's event log.</summary>
public sealed class DemoEventLog : IDisposable
{
    private readonly ISessionEvents _events;
    private readonly TimeProvider _time;
    private readonly List<DemoEvent> _entries = [];

    public DemoEventLog(ISessionEvents events, TimeProvider time)
    {
        _events = events;
        _time = time;
        _events.EventRaised += OnEvent;
    }

    /// <summary>Raised after an entry was added.</summary>
    public event Action? Changed;

    public IReadOnlyList<DemoEvent> Entries => _entries;

    public void Add(string type, string detail = "")
    {
        _entries.Insert(0, new DemoEvent(_time.GetLocalNow(), type, detail));
        if (_entries.Count > 200)
        {
            _entries.RemoveAt(_entries.Count - 1);
        }

        Changed?.Invoke();
    }

    public void Dispose() => _events.EventRaised -= OnEvent;

    private void OnEvent(object? sender, SessionEvent e) => Add(e.Type switch
    {
        SessionEventType.SessionCreated => "created",
        SessionEventType.RefreshSession => "refreshed",
        SessionEventType.AccessTokenPayloadUpdated => "payload-updated",
        SessionEventType.Unauthorised => "unauthorised",
        SessionEventType.SignOut => "signed-out",
        SessionEventType.ApiInvalidClaim => "invalid-claim",
        _ => e.Type.ToString(),
    }, e.Type == SessionEventType.Unauthorised ? (e.SessionExpiredOrRevoked == true ? "session expired or revoked" : "no session") : "");
}

public sealed record DemoEvent(DateTimeOffset At, string Type, string Detail);
