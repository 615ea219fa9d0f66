namespace Sesame.Client.Internal;

/// <summary>
/// Everything that differs between the protocol dialects (docs/protocol/refresh.md, docs/protocol/legacy.md): how tokens are read from responses and written to requests,
/// what "session exists" means, what the refresh request looks like and what counts as success. The refresh algorithm itself lives only in
/// <see cref="RefreshCoordinator"/>; nothing else branches on the dialect.
/// </summary>
internal interface ISessionDialect
{
    SessionEndpoints Endpoints { get; }

    /// <summary>The expired-session status (401 current, 440 legacy: docs/protocol/wire-format.md#status-codes).</summary>
    int SessionExpiredStatusCode { get; }

    /// <summary>True if the explicit API handles every URL (legacy), false if it follows the interception scope like any call.</summary>
    bool ExplicitCallsAlwaysHandled { get; }

    /// <summary>True if the client can read the access token's expiry (front token) and check it before trusting the session.</summary>
    bool KnowsAccessTokenExpiry { get; }

    /// <summary>When a refresh ends the session: true ⇒ the caller gets the refresh's response (current), false ⇒ the original expired response (legacy).</summary>
    bool ReturnsRefreshResponseWhenSessionEnds { get; }

    /// <summary>Whether the session handler should touch a request to <paramref name="uri"/> (docs/protocol/refresh.md#interception-scope, docs/protocol/legacy.md#scope).</summary>
    bool IsInScope(Uri uri);

    /// <summary>True if a session handler is sending <paramref name="request"/> already (an outer handler, a retry clone, a refresh
    /// request): checked on every in-scope request, so it must not allocate where the dialect can help it (<see cref="HandledMark"/>).</summary>
    bool IsHandled(HttpRequestMessage request);

    /// <summary>Takes the handled mark that <see cref="DecorateRequest"/> put on <paramref name="request"/> off again, once its attempt is over.</summary>
    void ReleaseHandled(HttpRequestMessage request);

    LocalSessionState GetState(SessionTokens tokens);

    /// <summary>Whether two snapshots belong to the same session version (same key: last-update stamp, or legacy sIdRefreshToken value).</summary>
    bool SameKey(SessionTokens a, SessionTokens b);

    /// <summary>Reads the caller's values for the headers the dialect writes, stripping a caller <c>Authorization</c> that is our own stale token.</summary>
    UserHeaders CaptureUserHeaders(HttpRequestMessage request, SessionTokens tokens);

    /// <summary>Writes the session and the handled mark onto a request (docs/protocol/refresh.md#request-decoration); <paramref name="isRetry"/> means the request is a clone carrying the previous attempt's headers.</summary>
    void DecorateRequest(HttpRequestMessage request, SessionTokens tokens, in UserHeaders user, bool isRetry);

    /// <summary>Cheap check (no allocation) whether a response carries anything that may change the stored session.</summary>
    bool MayChangeSession(HttpResponseMessage response);

    /// <summary>Applies a response's tokens to <paramref name="current"/> (docs/protocol/refresh.md#response-processing) and appends the events it causes (docs/protocol/refresh.md#events), in order.</summary>
    SessionTokens ApplyResponse(SessionTokens current, HttpResponseMessage response, Uri requestUri, bool isRefreshResponse, bool wasLoggedIn, List<SessionEvent> events);

    /// <summary>Builds the refresh request (never sent through the session handler).</summary>
    HttpRequestMessage CreateRefreshRequest(SessionTokens tokens);

    /// <summary>Whether a refresh response means "refreshed" (status only; the store is checked separately).</summary>
    bool IsRefreshSuccess(HttpResponseMessage response);

    /// <summary>True if a successful refresh response lacks what the dialect requires (current: the <c>front-token</c> header).</summary>
    bool IsIncompleteRefreshSuccess(HttpResponseMessage response);
}
