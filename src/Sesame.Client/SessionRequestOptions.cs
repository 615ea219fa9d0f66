namespace Sesame.Client;

/// <summary>Per-request switches of the session handler, set through <see cref="HttpRequestMessage.Options"/>.</summary>
public static class SessionRequestOptions
{
    /// <summary>Set to true on a request whose content must not be buffered (e.g. a huge upload). If such a request gets an
    /// expired-session answer, the session is refreshed and a <see cref="NonReplayableContentException"/> is thrown instead of a silently empty retry.</summary>
    public static readonly HttpRequestOptionsKey<bool> DoNotBufferContent = new("Sesame.DoNotBufferContent");

    /// <summary>Marks a request already handled by a session handler (inner handlers, clones and refresh requests pass through untouched).
    /// Used for refresh requests and by the legacy dialect; the current dialect marks the requests it sends without allocating (HandledMark).</summary>
    internal static readonly HttpRequestOptionsKey<bool> Handled = new("Sesame.Handled");

    /// <summary>Set by the explicit API of the legacy protocol: handled whatever its URL (explicit calls are always handled: docs/protocol/legacy.md#scope).</summary>
    internal static readonly HttpRequestOptionsKey<bool> Explicit = new("Sesame.Explicit");

    internal static void MarkHandled(HttpRequestMessage request) => request.Options.Set(Handled, true);

    internal static bool IsHandled(HttpRequestMessage request) => request.Options.TryGetValue(Handled, out var handled) && handled;

    internal static void ClearHandled(HttpRequestMessage request) => ((IDictionary<string, object?>)request.Options).Remove(Handled.Key);
}
