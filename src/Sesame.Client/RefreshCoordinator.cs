using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// The one refresh algorithm (docs/protocol/refresh.md, docs/protocol/legacy.md), shared by every door (HttpClient handler, explicit API, RestSharp,
/// Refit, Blazor): the probe of an unknown state, single flight across threads and processes (through <see cref="IRefreshLock"/> and by
/// re-reading the <see cref="ITokenStore"/>), the identity check that re-sends a request whose session changed while it waited instead of
/// refreshing again, the refresh on an un-intercepted client, the outcome rules and the session events.
/// </summary>
public sealed class RefreshCoordinator
{
    private const string FrontTokenMissingMessage = "The 'front-token' header is missing from a successful refresh-session response. The most likely causes are proxy settings (e.g.: 'front-token' missing from 'access-control-expose-headers' or a proxy stripping this header). Please investigate your API.";
    private const string StateUnreadableMessage = "Failed to retrieve local session state from the token store after a successful session refresh. This indicates a configuration error or that the token store is not keeping writes.";

    private readonly ISessionDialect _dialect;
    private readonly IRefreshLock _refreshLock;
    private readonly RefreshTransport _transport;
    private readonly SessionEventSource _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // Completes when the refresh this process is sending ends (null when none is in flight).
    private Task? _inFlightRefresh;

    // Server clock minus this client's clock, measured from the iat of each front token received; 0 under 7 s.
    private long _clockSkewMilliseconds;

    // The last front token whose iat was read. After a refresh the server answers every re-sent request with the same new token
    // (its verify-time promotion), so a storm of N calls receives it N times: it is decoded once (docs/benchmarks.md).
    private FrontTokenIssuedAt? _lastIssuedAt;

    private readonly SesameClientMetrics _metrics;

    // Proactive refresh (docs/protocol/refresh.md#proactive-refresh): on only when asked for, when the dialect can read the access token's
    // expiry (the front token) and when refreshing is not disabled (MaxRetryAttemptsForSessionRefresh = 0).
    private readonly bool _proactive;
    private readonly long _refreshBeforeExpiryMilliseconds;

    internal RefreshCoordinator(
        SesameClientOptions options,
        ISessionDialect dialect,
        ITokenStore tokenStore,
        IRefreshLock refreshLock,
        RefreshTransport transport,
        SessionEventSource events,
        TimeProvider time,
        ILogger? logger,
        SesameClientMetrics metrics)
    {
        Options = options;
        _metrics = metrics;
        _dialect = dialect;
        TokenStore = tokenStore;
        _refreshLock = refreshLock;
        _transport = transport;
        _events = events;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _proactive = options.ProactiveRefresh && dialect.KnowsAccessTokenExpiry && options.MaxRetryAttemptsForSessionRefresh > 0;
        _refreshBeforeExpiryMilliseconds = (long)options.RefreshBeforeExpiry.TotalMilliseconds;
    }

    /// <summary>The (validated) options this coordinator runs with.</summary>
    public SesameClientOptions Options { get; }

    /// <summary>The store holding the session.</summary>
    public ITokenStore TokenStore { get; }

    /// <summary>The session events of this client.</summary>
    public ISessionEvents Events => _events;

    /// <summary>The refresh endpoint.</summary>
    public Uri RefreshUri => _dialect.Endpoints.RefreshUri;

    internal ISessionDialect Dialect => _dialect;

    internal ILogger Logger => _logger;

    internal TimeProvider Time => _time;

    /// <summary>The server's current time as far as this client can tell (its clock corrected by the measured skew, docs/protocol/refresh.md#clock-skew), Unix ms.</summary>
    internal long ServerNowMilliseconds => _time.GetUtcNow().ToUnixTimeMilliseconds() + Volatile.Read(ref _clockSkewMilliseconds);

    /// <summary>
    /// True when a call about to go out with <paramref name="tokens"/> should refresh first (docs/protocol/refresh.md#proactive-refresh):
    /// <see cref="SesameClientOptions.ProactiveRefresh"/> is on and the access token has expired, or expires within
    /// <see cref="SesameClientOptions.RefreshBeforeExpiry"/> (at most half the token's lifetime), by the server's clock as measured.
    /// One field test when the option is off; when on, one clock read (the front token is decoded once per snapshot).
    /// </summary>
    internal bool ShouldRefreshBeforeSending(SessionTokens tokens) =>
        _proactive && RemainingBeforeRefresh(tokens) is <= 0;

    /// <summary>Milliseconds until a call on <paramref name="tokens"/> should refresh first (negative: overdue), or null if the snapshot holds
    /// no session with a readable front token.</summary>
    private long? RemainingBeforeRefresh(SessionTokens tokens)
    {
        if (tokens.DecodedFrontToken is not { } info || _dialect.GetState(tokens) != LocalSessionState.Exists)
        {
            return null;
        }

        // A margin longer than the token's life would refresh on every call: it is capped at half the lifetime the server gave this token.
        var margin = _refreshBeforeExpiryMilliseconds;
        if (info.IssuedAtMilliseconds is { } issued && info.AccessTokenExpiryMilliseconds > issued)
        {
            margin = Math.Min(margin, (info.AccessTokenExpiryMilliseconds - issued) / 2);
        }

        return info.AccessTokenExpiryMilliseconds - margin - ServerNowMilliseconds;
    }

    /// <summary>The refresh before a call whose access token <see cref="ShouldRefreshBeforeSending"/> (docs/protocol/refresh.md#proactive-refresh): the one
    /// refresh algorithm, as after an expired-session answer to a call sent with <paramref name="sentWith"/> (one refresh for every concurrent
    /// call, under the refresh lock, nothing sent when the session was already replaced). Errors are thrown as by <see cref="RefreshAfterUnauthorisedAsync"/>.</summary>
    /// <param name="sentWith">The snapshot the call would have been sent with.</param>
    /// <param name="request">The call (for the log only).</param>
    /// <param name="cancellationToken">Cancels waiting for the lock and the refresh request.</param>
    /// <returns>The decision; the caller owns its response.</returns>
    internal Task<RefreshOutcome> RefreshBeforeSendingAsync(SessionTokens sentWith, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sentWith);
        ArgumentNullException.ThrowIfNull(request);
        if (_logger.IsEnabled(LogLevel.Debug) && sentWith.DecodedFrontToken is { } info)
        {
            Log.ProactiveRefresh(_logger, info.AccessTokenExpiryMilliseconds - ServerNowMilliseconds, _refreshBeforeExpiryMilliseconds, request.Method, request.RequestUri);
        }

        return RefreshCoreAsync(sentWith, cancellationToken);
    }

    /// <summary>Whether the session handler attaches the session to a request for <paramref name="uri"/> (docs/protocol/refresh.md#interception-scope).</summary>
    /// <param name="uri">An absolute request URL.</param>
    /// <returns>True if the URL is inside the interception scope.</returns>
    public bool IsInScope(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return _dialect.IsInScope(uri.IsAbsoluteUri ? uri : new Uri(_dialect.Endpoints.ApiDomain, uri));
    }

    /// <summary>Whether <paramref name="response"/> is the expired-session answer.</summary>
    /// <param name="response">A response of a handled request.</param>
    /// <returns>True if its status is <see cref="SesameClientOptions.SessionExpiredStatusCode"/>.</returns>
    internal bool IsSessionExpiredResponse(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (int)response.StatusCode == _dialect.SessionExpiredStatusCode;
    }

    /// <summary>
    /// The tokens a request should be sent with. Synchronous and allocation-free while the state is known; when the store knows nothing
    /// (state "may exist") it first probes the server with a refresh (failures mean "no session", nothing thrown except cancellation).
    /// </summary>
    /// <param name="cancellationToken">Cancels a probe.</param>
    /// <returns>The snapshot to send with; remember it for <see cref="RefreshAfterUnauthorisedAsync"/>.</returns>
    public ValueTask<SessionTokens> GetTokensForRequestAsync(CancellationToken cancellationToken)
    {
        var tokens = TokenStore.Current;
        return _dialect.GetState(tokens) == LocalSessionState.MayExist ? ProbeAsync(tokens, cancellationToken) : new ValueTask<SessionTokens>(tokens);
    }

    /// <summary>
    /// Called after a request sent with <paramref name="sentWith"/> got the expired-session answer: refreshes once for all waiting requests
    /// or decides the request can be re-sent because the session already changed. Network errors are thrown; cancellation and the
    /// refresh timeout throw <see cref="OperationCanceledException"/>; the session is kept in all three cases.
    /// </summary>
    /// <param name="sentWith">The snapshot the failed request was sent with.</param>
    /// <param name="cancellationToken">Cancels waiting for the lock and the refresh request.</param>
    /// <returns>The decision; the caller owns its response.</returns>
    internal Task<RefreshOutcome> RefreshAfterUnauthorisedAsync(SessionTokens sentWith, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sentWith);
        return RefreshCoreAsync(sentWith, cancellationToken);
    }

    /// <summary>Stores the tokens of a handled response (docs/protocol/refresh.md#response-processing) and raises the events it causes. A response whose request URI
    /// is outside the interception scope is ignored.</summary>
    /// <param name="response">The response (its request URI decides the scope check and the cookies' domain).</param>
    /// <param name="sentWith">The snapshot the request was sent with.</param>
    /// <param name="cancellationToken">Unused for the write itself: received tokens are always saved.</param>
    /// <returns>A task that completes when the tokens are stored.</returns>
    internal ValueTask ApplyResponseAsync(HttpResponseMessage response, SessionTokens sentWith, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(sentWith);
        if (!_dialect.MayChangeSession(response))
        {
            return ValueTask.CompletedTask;
        }

        // A response from outside the interception scope never changes the session (another host must not plant its tokens).
        var uri = response.RequestMessage?.RequestUri ?? _dialect.Endpoints.ApiDomain;
        if (!IsInScope(uri))
        {
            return ValueTask.CompletedTask;
        }

        return ApplyCoreAsync(response, uri, isRefreshResponse: false, _dialect.GetState(sentWith) == LocalSessionState.Exists);
    }

    /// <summary><c>attemptRefreshingSession</c>: true if the session is fresh afterwards, false if it is gone; a failing refresh
    /// endpoint throws <see cref="HttpRequestException"/> with its status.</summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>True if refreshed (or refreshed by someone else meanwhile).</returns>
    internal async Task<bool> AttemptRefreshingSessionAsync(CancellationToken cancellationToken)
    {
        var outcome = await RefreshCoreAsync(TokenStore.Current, cancellationToken).ConfigureAwait(false);
        using var response = outcome.Response;
        return outcome.Kind switch
        {
            RefreshOutcomeKind.Retry => true,
            RefreshOutcomeKind.SessionExpired => false,
            _ => throw new HttpRequestException(
                $"The session refresh endpoint {RefreshUri} answered {(int)response!.StatusCode}; the session was kept.", null, response.StatusCode),
        };
    }

    /// <summary><c>doesSessionExist</c>: probes when the state is unknown, refreshes when the access token has expired; never throws
    /// for refresh failures (false), only for cancellation.</summary>
    /// <param name="cancellationToken">Cancels a probe or refresh.</param>
    /// <returns>True if a session exists.</returns>
    internal async Task<bool> DoesSessionExistAsync(CancellationToken cancellationToken)
    {
        var tokens = await GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false);
        if (_dialect.GetState(tokens) != LocalSessionState.Exists)
        {
            return false;
        }

        if (!_dialect.KnowsAccessTokenExpiry || (tokens.DecodedFrontToken is { } info && info.AccessTokenExpiryMilliseconds >= ServerNowMilliseconds))
        {
            return true;
        }

        try
        {
            var outcome = await RefreshCoreAsync(tokens, cancellationToken).ConfigureAwait(false);
            outcome.Response?.Dispose();
            return outcome.Kind == RefreshOutcomeKind.Retry;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or SessionRefreshException)
        {
            return false;
        }
    }

    /// <summary>Raises <see cref="SessionEventType.ApiInvalidClaim"/> for an invalid-claim response whose body lists <c>claimValidationErrors</c>
    /// (the body is buffered, so the caller can still read it). Nothing happens when nobody listens.</summary>
    internal async ValueTask OnInvalidClaimAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!_events.HasListeners || response.Content is null)
        {
            return;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length == 0)
            {
                return;
            }

            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("claimValidationErrors", out var errors))
            {
                _events.Raise(new SessionEvent(SessionEventType.ApiInvalidClaim, claimValidationErrors: errors.Clone()));
            }
        }
        catch (JsonException)
        {
            // 69: a 403 without a JSON body is passed through without an event.
        }
    }

    internal void Raise(SessionEvent sessionEvent) => _events.Raise(sessionEvent);

    private async ValueTask<SessionTokens> ProbeAsync(SessionTokens tokens, CancellationToken cancellationToken)
    {
        Log.Probe(_logger);
        RefreshOutcome outcome;
        try
        {
            outcome = await RefreshCoreAsync(tokens, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or SessionRefreshException)
        {
            // A failed probe means "no session"; nothing was written, so the next request probes again.
            Log.ProbeFoundNoSession(_logger, ex.GetType().Name);
            return TokenStore.Current;
        }

        outcome.Response?.Dispose();
        var current = TokenStore.Current;
        if (outcome.Kind == RefreshOutcomeKind.Retry && _dialect.GetState(current) != LocalSessionState.Exists)
        {
            Log.SaveNotSuccessful(_logger);
            throw new SessionRefreshException(StateUnreadableMessage);
        }

        if (outcome.Kind != RefreshOutcomeKind.Retry)
        {
            Log.ProbeFoundNoSession(_logger, outcome.Kind.ToString());
        }

        return current;
    }

    /// <summary>True when the session a request was sent with has been replaced by a newer one (docs/protocol/refresh.md#identity-check).</summary>
    private bool IsReplaced(LocalSessionState preState, SessionTokens sentWith)
    {
        var known = TokenStore.Current;
        return preState == LocalSessionState.Exists && _dialect.GetState(known) == LocalSessionState.Exists && !_dialect.SameKey(known, sentWith);
    }

    private async Task<RefreshOutcome> RefreshCoreAsync(SessionTokens sentWith, CancellationToken cancellationToken)
    {
        var preState = _dialect.GetState(sentWith);

        // The identity check before queueing for the lock: when another request already replaced the session this one was sent
        // with, re-send at once. Without it, every request of a storm that got its 401 after the refresh still waits for the lock
        // one after another (one thread-pool hop each), which made refresh storms much slower than valid ones (docs/benchmarks.md).
        if (IsReplaced(preState, sentWith))
        {
            Log.RefreshedByOther(_logger);
            return new RefreshOutcome(RefreshOutcomeKind.Retry, null);
        }

        // A refresh of this process is in flight: wait for it together with every other such request (not one by one behind the
        // lock), then check again; if it did not replace the session, take the lock as before.
        if (Volatile.Read(ref _inFlightRefresh) is { } inFlight)
        {
            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (IsReplaced(preState, sentWith))
            {
                Log.RefreshedByOther(_logger);
                return new RefreshOutcome(RefreshOutcomeKind.Retry, null);
            }
        }

        // Real time on purpose (as the file lock's own wait): a lock held by another process is not session time.
        var waitStarted = Stopwatch.GetTimestamp();
        while (true)
        {
            var handle = await _refreshLock.TryAcquireAsync(Options.RefreshLockWaitTimeout, cancellationToken).ConfigureAwait(false);
            if (handle is null)
            {
                // Lock not acquired in time ⇒ maybe another request or process refreshed; re-check before trying again.
                var latest = await TokenStore.ReloadAsync(cancellationToken).ConfigureAwait(false);
                var latestState = _dialect.GetState(latest);
                if (latestState == LocalSessionState.NotExists)
                {
                    return new RefreshOutcome(RefreshOutcomeKind.SessionExpired, null);
                }

                if (latestState != preState || !_dialect.SameKey(latest, sentWith))
                {
                    Log.RefreshedByOther(_logger);
                    return new RefreshOutcome(RefreshOutcomeKind.Retry, null);
                }

                var waited = Stopwatch.GetElapsedTime(waitStarted);
                if (Options.RefreshLockMaxWait != Timeout.InfiniteTimeSpan && waited >= Options.RefreshLockMaxWait)
                {
                    var message = $"The session could not be refreshed: {_refreshLock} was held by someone else for {waited.TotalSeconds:0.###} s " +
                        "(RefreshLockMaxWait). Another process of this app may be stuck, or another local user holds the lock file. The session was kept.";
                    Log.RefreshLockGaveUp(_logger, message);
                    throw new TimeoutException(message);
                }

                Log.RefreshLockTimeout(_logger, Options.RefreshLockWaitTimeout.TotalMilliseconds);
                continue;
            }

            await using (handle.ConfigureAwait(false))
            {
                // Under the lock, read what other processes may have written (the file store re-reads only if the file changed).
                var current = await TokenStore.ReloadAsync(cancellationToken).ConfigureAwait(false);
                var state = _dialect.GetState(current);
                if (state == LocalSessionState.NotExists)
                {
                    _events.Raise(SessionEvent.UnauthorisedNoSession);
                    return new RefreshOutcome(RefreshOutcomeKind.SessionExpired, null);
                }

                // The identity check: the session this request was sent with is no longer the current one ⇒ re-send, do not refresh again.
                if ((state != preState && state == LocalSessionState.Exists)
                    || (state == LocalSessionState.Exists && preState == LocalSessionState.Exists && !_dialect.SameKey(current, sentWith)))
                {
                    Log.RefreshedByOther(_logger);
                    return new RefreshOutcome(RefreshOutcomeKind.Retry, null);
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _inFlightRefresh, done.Task);
                try
                {
                    return await SendRefreshAsync(current, state == LocalSessionState.Exists, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Volatile.Write(ref _inFlightRefresh, null);
                    done.SetResult();
                }
            }
        }
    }

    private async Task<RefreshOutcome> SendRefreshAsync(SessionTokens current, bool wasLoggedIn, CancellationToken cancellationToken)
    {
        using var activity = SesameClientDiagnostics.ActivitySource.StartActivity("Sesame.Client.Refresh", ActivityKind.Client);
        var started = Stopwatch.GetTimestamp();
        var refreshUri = _dialect.Endpoints.RefreshUri;
        Log.RefreshStarted(_logger, refreshUri);

        HttpResponseMessage response;
        using (var request = _dialect.CreateRefreshRequest(current))
        {
            try
            {
                response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                Log.RefreshFailed(_logger, refreshUri, cancellationToken.IsCancellationRequested ? "canceled by the caller" : ex.Message);
                _metrics.RecordRefresh("canceled", started, activity);
                activity?.SetStatus(ActivityStatusCode.Error, "canceled");
                throw;
            }
            catch (HttpRequestException ex)
            {
                Log.RefreshFailed(_logger, refreshUri, ex.Message);
                _metrics.RecordRefresh("network_error", started, activity);
                activity?.SetStatus(ActivityStatusCode.Error, "network error");
                throw;
            }
        }

        var status = (int)response.StatusCode;
        activity?.SetTag("http.response.status_code", status);

        // A refresh client whose primary handler follows redirects (the app's own) may hand back another host's answer: never store it.
        if (response.RequestMessage?.RequestUri is { } final && final != refreshUri && !IsInScope(final))
        {
            Log.ForeignResponseIgnored(_logger, final);
            _metrics.RecordRefresh("api_error", started, activity);
            activity?.SetStatus(ActivityStatusCode.Error, "redirected out of scope");
            return new RefreshOutcome(RefreshOutcomeKind.ApiError, response);
        }

        // Received tokens are saved whatever happens next (never cancelled halfway: the server has already rotated them).
        await ApplyCoreAsync(response, refreshUri, isRefreshResponse: true, wasLoggedIn).ConfigureAwait(false);

        if (_dialect.IsIncompleteRefreshSuccess(response))
        {
            response.Dispose();
            Log.FrontTokenMissing(_logger, FrontTokenMissingMessage);
            _metrics.RecordRefresh("incomplete", started, activity);
            activity?.SetStatus(ActivityStatusCode.Error, "front-token missing");
            throw new SessionRefreshException(FrontTokenMissingMessage);
        }

        var stateAfter = _dialect.GetState(TokenStore.Current);
        if (!_dialect.IsRefreshSuccess(response))
        {
            var ended = stateAfter == LocalSessionState.NotExists;
            Log.RefreshRejected(_logger, status, ended ? "has ended" : "was kept");
            _metrics.RecordRefresh(ended ? "session_ended" : "api_error", started, activity);
            activity?.SetStatus(ActivityStatusCode.Error, ended ? "session ended" : "api error");
            return new RefreshOutcome(ended ? RefreshOutcomeKind.SessionExpired : RefreshOutcomeKind.ApiError, response);
        }

        if (stateAfter == LocalSessionState.NotExists)
        {
            // Legacy: a 200 that removed sIdRefreshToken (or any success that left no session) ends the session.
            response.Dispose();
            Log.RefreshRejected(_logger, status, "has ended");
            _metrics.RecordRefresh("session_ended", started, activity);
            return new RefreshOutcome(RefreshOutcomeKind.SessionExpired, null);
        }

        response.Dispose();
        Log.RefreshSucceeded(_logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        _metrics.RecordRefresh("refreshed", started, activity);
        _events.Raise(SessionEvent.Refreshed);
        return new RefreshOutcome(RefreshOutcomeKind.Retry, null);
    }

    private async ValueTask ApplyCoreAsync(HttpResponseMessage response, Uri requestUri, bool isRefreshResponse, bool wasLoggedIn)
    {
        List<SessionEvent> events = [];
        await TokenStore.UpdateAsync(
            current =>
            {
                events.Clear();
                return _dialect.ApplyResponse(current, response, requestUri, isRefreshResponse, wasLoggedIn, events);
            },
            CancellationToken.None).ConfigureAwait(false);
        UpdateClockSkew(response);
        foreach (var sessionEvent in events)
        {
            _events.Raise(sessionEvent);
        }
    }

    /// <summary>Clock skew = <c>up.iat * 1000 - now</c> of a newly received front token, applied only if at least 7 s, so a client whose
    /// clock is ahead does not refresh on every <see cref="DoesSessionExistAsync"/>.</summary>
    private void UpdateClockSkew(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues(HeaderNames.FrontToken, out var value) || value.ToString() == HeaderNames.Remove)
        {
            return;
        }

        var frontToken = value.ToString();
        var issued = Volatile.Read(ref _lastIssuedAt);
        if (issued is null || !string.Equals(issued.FrontToken, frontToken, StringComparison.Ordinal))
        {
            var info = FrontToken.TryParse(frontToken);
            if (info is null || info.Payload.ValueKind != System.Text.Json.JsonValueKind.Object
                || !info.Payload.TryGetProperty("iat", out var iat) || iat.ValueKind != System.Text.Json.JsonValueKind.Number)
            {
                return;
            }

            issued = new FrontTokenIssuedAt(frontToken, (long)(iat.GetDouble() * 1000));
            Volatile.Write(ref _lastIssuedAt, issued);
        }

        var skew = issued.Milliseconds - _time.GetUtcNow().ToUnixTimeMilliseconds();
        Volatile.Write(ref _clockSkewMilliseconds, Math.Abs(skew) >= 7000 ? skew : 0);
    }

    /// <summary>A front token and the <c>up.iat</c> read from it (Unix ms).</summary>
    private sealed record FrontTokenIssuedAt(string FrontToken, long Milliseconds);
}
