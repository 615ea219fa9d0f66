namespace Sesame.Client.Internal;

/// <summary>The local session state (docs/protocol/refresh.md#local-session-state).</summary>
internal enum LocalSessionState
{
    /// <summary>The client knows there is no session (it was removed).</summary>
    NotExists,

    /// <summary>The client holds a session.</summary>
    Exists,

    /// <summary>The client knows nothing (fresh store): the next request probes with a refresh (current protocol only).</summary>
    MayExist,
}
