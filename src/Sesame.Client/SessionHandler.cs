using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// The session handler: attaches the session to requests inside the interception scope, stores the tokens of every response, and on an
/// expired-session answer lets the <see cref="RefreshCoordinator"/> refresh (once for all waiting requests) and re-sends the request with
/// its body intact (docs/protocol/refresh.md#retry-loop). Requests outside the scope pass through untouched, and responses from outside it
/// never change the session. When the library configured the primary handler it also follows redirects, checking the scope on every hop
/// (docs/security.md).
/// Add it with <c>AddSessionHandler()</c> on an <c>IHttpClientBuilder</c>, or wrap any handler: <c>new SessionHandler(coordinator) { InnerHandler = … }</c>.
/// </summary>
/// <param name="coordinator">The refresh algorithm and session state this handler works with.</param>
public sealed class SessionHandler(RefreshCoordinator coordinator) : DelegatingHandler
{
    private static readonly System.Text.CompositeFormat s_retryLimitMessage = System.Text.CompositeFormat.Parse("Received a {0} response from {1}. Attempted to refresh the session and retry the request with the updated session tokens {2} times, but each attempt resulted in a {0} error. The maximum session refresh limit has been reached. Please investigate your API. To increase the session refresh attempts, update MaxRetryAttemptsForSessionRefresh in the options.");

    private const int RedirectsUnknown = -2;
    private const int RedirectsNotFollowed = -1;

    private readonly RefreshCoordinator _coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));

    // How many redirects this handler follows itself: unknown until the first request, -1 when the primary handler follows them.
    private int _maxRedirects = RedirectsUnknown;

    /// <summary>Synchronous sends are not supported: a refresh must not block a thread.</summary>
    /// <param name="request">Not used.</param>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns>Never returns.</returns>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The Sesame session handler supports only asynchronous sends (SendAsync).");

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is not { } uri)
        {
            return base.SendAsync(request, cancellationToken);
        }

        // The session goes only to URLs inside the scope. Outside it a request passes through untouched, unless the dialect handles explicit
        // calls anywhere (legacy: a 440 from any URL refreshes), and then it is sent without session material.
        var dialect = _coordinator.Dialect;
        var inScope = _coordinator.IsInScope(uri);
        if (!inScope && !IsExplicitCallHandledAnywhere(request))
        {
            return MaxRedirects < 0 ? base.SendAsync(request, cancellationToken) : SendOutOfScopeAsync(request, cancellationToken);
        }

        // Already being sent by a session handler (an outer one: added twice; a retry clone; a refresh request): pass through.
        if (dialect.IsHandled(request))
        {
            return base.SendAsync(request, cancellationToken);
        }

        // The usual path: the state is known (no probe), the content can be re-sent as it is (no buffering), and the caller set none of
        // the headers the session handler writes (nothing of theirs to restore on a retry).
        var tokens = _coordinator.TokenStore.Current;
        if (inScope && dialect.GetState(tokens) != LocalSessionState.MayExist && request.Content is null or ByteArrayContent or ReadOnlyMemoryContent
            && !dialect.CaptureUserHeaders(request, tokens).Any && !_coordinator.ShouldRefreshBeforeSending(tokens))
        {
            return SendKnownSessionAsync(request, tokens, cancellationToken);
        }

        return SendWithSessionAsync(request, inScope, cancellationToken);
    }

    /// <summary>Called by an outer session handler of the same chain, which follows the redirects (and owns the session) itself.</summary>
    internal void DoNotFollowRedirects() => Volatile.Write(ref _maxRedirects, RedirectsNotFollowed);

    /// <summary>How many redirects this handler follows (-1: none, the primary handler follows them or nobody should); found once, on the
    /// first request, from the inner chain (which is fixed by then).</summary>
    private int MaxRedirects
    {
        get
        {
            var max = Volatile.Read(ref _maxRedirects);
            if (max != RedirectsUnknown)
            {
                return max;
            }

            var found = Redirects.MaxRedirectsBelow(InnerHandler);
            var previous = Interlocked.CompareExchange(ref _maxRedirects, found, RedirectsUnknown);
            return previous == RedirectsUnknown ? found : previous;
        }
    }

    private bool IsExplicitCallHandledAnywhere(HttpRequestMessage request) =>
        _coordinator.Dialect.ExplicitCallsAlwaysHandled && request.Options.TryGetValue(SessionRequestOptions.Explicit, out var isExplicit) && isExplicit;

    /// <summary>A request outside the scope whose primary handler no longer follows redirects (the library took them over): follow them as
    /// .NET would, with no session on any hop (even one that comes back into the scope: the other host chose it) and nothing stored.</summary>
    private async Task<HttpResponseMessage> SendOutOfScopeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!Redirects.IsRedirect((int)response.StatusCode))
        {
            return response;
        }

        return (await FollowRedirectsAsync(request, response, SessionTokens.Empty, default, trusted: false, cancellationToken).ConfigureAwait(false)).Response;
    }

    /// <summary>
    /// The per-request path: decorate, send, and hand the response back unless it needs more (session headers to store, the expired-session
    /// or invalid-claim status). Its one allocation per request is the Task it returns (the box of its state machine), so it keeps only its
    /// parameters across the await (a pooled builder was measured and rejected: docs/benchmarks.md, client allocations).
    /// </summary>
    private async Task<HttpResponseMessage> SendKnownSessionAsync(HttpRequestMessage request, SessionTokens tokens, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await StartAttempt(request, tokens, default, isRetry: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _coordinator.Dialect.ReleaseHandled(request);
        }

        var status = (int)response.StatusCode;
        if (status != _coordinator.Dialect.SessionExpiredStatusCode && status != _coordinator.Options.InvalidClaimStatusCode && !_coordinator.Dialect.MayChangeSession(response)
            && !(Redirects.IsRedirect(status) && MaxRedirects >= 0))
        {
            return response;
        }

        return await HandleResponseAsync(request, response, tokens, default, replayable: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The path that first buffers the content or probes an unknown session state, then goes on as any request.</summary>
    private async Task<HttpResponseMessage> SendWithSessionAsync(HttpRequestMessage request, bool inScope, CancellationToken cancellationToken)
    {
        // Buffer the body once before the first send so a retry re-sends the same bytes. Byte-array based contents (string,
        // form, bytes; JSON via JsonContent is not) are replayable as they are.
        var replayable = await PrepareContentAsync(request, cancellationToken).ConfigureAwait(false);

        // A handled request outside the scope (a legacy explicit call) is sent as if there were no session: marked handled, with the
        // caller's own headers only.
        var tokens = inScope ? await _coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false) : SessionTokens.Empty;
        var user = _coordinator.Dialect.CaptureUserHeaders(request, tokens);
        if (inScope && _coordinator.ShouldRefreshBeforeSending(tokens))
        {
            var refreshed = await RefreshBeforeSendingAsync(request, tokens, cancellationToken).ConfigureAwait(false);
            if (refreshed.Response is { } ended)
            {
                return ended;
            }

            tokens = refreshed.Tokens;
        }

        HttpResponseMessage response;
        try
        {
            response = await StartAttempt(request, tokens, user, isRetry: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _coordinator.Dialect.ReleaseHandled(request);
        }

        return await HandleResponseAsync(request, response, tokens, user, replayable, cancellationToken, inScope).ConfigureAwait(false);
    }

    /// <summary>
    /// The proactive refresh (docs/protocol/refresh.md#proactive-refresh), after the body was buffered: the coordinator refreshes once for every
    /// concurrent call. Refreshed (or replaced by another call) ⇒ the call goes out with the new session. The session ended ⇒ the caller
    /// gets the refresh endpoint's answer, as after an expired-session answer. The refresh endpoint failing (an error status or a network
    /// error) ⇒ the call goes out with the session it had, exactly as without the option: the token may still be valid (the margin), and if
    /// the server answers that it expired, the usual refresh runs and its failure is what the caller sees. Cancellation, the refresh
    /// timeout, the lock's time limit and an incomplete refresh answer are thrown as they are today.
    /// </summary>
    private async Task<(SessionTokens Tokens, HttpResponseMessage? Response)> RefreshBeforeSendingAsync(
        HttpRequestMessage request, SessionTokens tokens, CancellationToken cancellationToken)
    {
        RefreshOutcome outcome;
        try
        {
            outcome = await _coordinator.RefreshBeforeSendingAsync(tokens, request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            Log.ProactiveRefreshFailed(_coordinator.Logger, request.Method, request.RequestUri, ex.Message);
            return (tokens, null);
        }

        switch (outcome.Kind)
        {
            case RefreshOutcomeKind.Retry:
                return (await _coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false), null);

            // Only dialects that know the expiry refresh proactively, and they hand the caller the refresh's answer when the session ends.
            case RefreshOutcomeKind.SessionExpired when outcome.Response is { } refreshResponse && _coordinator.Dialect.ReturnsRefreshResponseWhenSessionEnds:
                return (tokens, refreshResponse);

            case RefreshOutcomeKind.SessionExpired:
                // The store holds no session any more (another call or process signed out): the call goes out as it would now.
                outcome.Response?.Dispose();
                return (_coordinator.TokenStore.Current, null);

            default:
                Log.ProactiveRefreshFailed(_coordinator.Logger, request.Method, request.RequestUri,
                    outcome.Response is { } failed ? $"the refresh endpoint answered {(int)failed.StatusCode}" : outcome.Kind.ToString());
                outcome.Response?.Dispose();
                return (tokens, null);
        }
    }

    /// <summary>Decorates one attempt (which marks it handled) and sends it; the caller takes the mark off when the attempt is over.</summary>
    private Task<HttpResponseMessage> StartAttempt(HttpRequestMessage attempt, SessionTokens tokens, in UserHeaders user, bool isRetry, CancellationToken cancellationToken)
    {
        _coordinator.Dialect.DecorateRequest(attempt, tokens, user, isRetry);
        return base.SendAsync(attempt, cancellationToken);
    }

    /// <summary>Everything after an attempt's response: store its tokens, the invalid-claim event, and on the expired-session
    /// status refresh once and re-send a copy of the request, up to the retry limit (docs/protocol/refresh.md#retry-loop).</summary>
    /// <remarks>A response that comes from outside the scope (the last hop of redirects) is handed back as it is: it stores nothing,
    /// raises no event and never triggers a refresh. <paramref name="inScope"/> is false only for a legacy explicit call outside the scope,
    /// which keeps the seeds' refresh on a 440 from anywhere but is never sent with the session.</remarks>
    private async Task<HttpResponseMessage> HandleResponseAsync(
        HttpRequestMessage request, HttpResponseMessage response, SessionTokens tokens, UserHeaders user, bool replayable, CancellationToken cancellationToken, bool inScope = true)
    {
        var dialect = _coordinator.Dialect;
        var maxAttempts = _coordinator.Options.MaxRetryAttemptsForSessionRefresh;
        var refreshes = 0;
        while (true)
        {
            if (Redirects.IsRedirect((int)response.StatusCode) && MaxRedirects >= 0)
            {
                var followed = await FollowRedirectsAsync(request, response, tokens, user, inScope, cancellationToken).ConfigureAwait(false);
                response = followed.Response;
                tokens = followed.Tokens;
                if (!followed.Trusted)
                {
                    return response;
                }
            }
            else if (inScope && response.RequestMessage?.RequestUri is { } final && !_coordinator.IsInScope(final))
            {
                // A primary handler the library does not configure followed a redirect out of the scope by itself.
                Log.ForeignResponseIgnored(_coordinator.Logger, final);
                return response;
            }

            await _coordinator.ApplyResponseAsync(response, tokens, cancellationToken).ConfigureAwait(false);

            var status = (int)response.StatusCode;
            if (status != dialect.SessionExpiredStatusCode)
            {
                if (status == _coordinator.Options.InvalidClaimStatusCode)
                {
                    await _coordinator.OnInvalidClaimAsync(response, cancellationToken).ConfigureAwait(false);
                }

                return response;
            }

            if (refreshes >= maxAttempts)
            {
                response.Dispose();
                var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, s_retryLimitMessage, status, request.RequestUri, maxAttempts);
                Log.RefreshLimitReached(_coordinator.Logger, message);
                throw new SessionRefreshException(message);
            }

            Log.SessionExpiredResponse(_coordinator.Logger, request.Method, request.RequestUri, status, refreshes + 1);
            var outcome = await _coordinator.RefreshAfterUnauthorisedAsync(tokens, cancellationToken).ConfigureAwait(false);
            refreshes++;
            switch (outcome.Kind)
            {
                case RefreshOutcomeKind.Retry:
                    response.Dispose();
                    if (!replayable)
                    {
                        Log.NonReplayableContent(_coordinator.Logger, request.Method, request.RequestUri);
                        throw new NonReplayableContentException(
                            $"The request {request.Method} {request.RequestUri} got {status} and the session was refreshed, but its content is a stream that cannot be re-sent " +
                            "(SessionRequestOptions.DoNotBufferContent). Send the request again with fresh content.");
                    }

                    tokens = inScope ? await _coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false) : SessionTokens.Empty;
                    var attempt = Clone(request);
                    try
                    {
                        response = await StartAttempt(attempt, tokens, user, isRetry: true, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        dialect.ReleaseHandled(attempt);
                    }

                    continue;

                case RefreshOutcomeKind.SessionExpired when outcome.Response is not null && !dialect.ReturnsRefreshResponseWhenSessionEnds:
                    outcome.Response.Dispose();
                    return response;

                default:
                    if (outcome.Response is { } refreshResponse)
                    {
                        // The caller gets the refresh endpoint's answer (its RequestMessage/URL is the refresh URL).
                        response.Dispose();
                        return refreshResponse;
                    }

                    return response;
            }
        }
    }

    /// <summary>
    /// Follows the redirects of a request whose primary handler no longer does (see <see cref="Redirects"/>), hop by hop. A hop inside the
    /// scope of a chain that never left it is sent like a retry of the request (the session attached, the caller's headers restored) and its
    /// response's session headers are stored; once a hop leaves the scope the chain is untrusted for good: no session material goes out
    /// (<paramref name="trusted"/> chains are stripped of anything session-like, whoever set it) and nothing that comes back is stored,
    /// even from a URL back inside the scope, because the other host chose it. Returns the last response, the tokens its request was sent
    /// with, and whether the chain stayed trusted.
    /// </summary>
    private async Task<FollowedRedirects> FollowRedirectsAsync(
        HttpRequestMessage original, HttpResponseMessage response, SessionTokens tokens, UserHeaders user, bool trusted, CancellationToken cancellationToken)
    {
        var strip = trusted;
        var max = MaxRedirects;

        // .NET drops Authorization on every redirect; the session's own is written again on a trusted hop.
        user = user with { Authorization = null };
        var current = original;
        for (var hops = 0; hops < max && Redirects.TryCreateNextHop(original, current, response, out var hop); hops++)
        {
            if (trusted)
            {
                // An in-scope redirect may carry session changes of its own (e.g. a login that redirects).
                await _coordinator.ApplyResponseAsync(response, tokens, cancellationToken).ConfigureAwait(false);
            }

            response.Dispose();
            trusted = trusted && _coordinator.IsInScope(hop.RequestUri!);
            if (trusted)
            {
                tokens = _coordinator.TokenStore.Current;
                try
                {
                    response = await StartAttempt(hop, tokens, user, isRetry: true, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _coordinator.Dialect.ReleaseHandled(hop);
                }
            }
            else
            {
                if (strip)
                {
                    Redirects.StripSession(hop);
                }

                response = await base.SendAsync(hop, cancellationToken).ConfigureAwait(false);
            }

            current = hop;
        }

        return new FollowedRedirects(response, tokens, trusted);
    }

    /// <summary>Makes the content replayable: returns false only for a caller who forbade buffering a non-replayable content.</summary>
    private static async ValueTask<bool> PrepareContentAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = request.Content;
        if (content is null or ByteArrayContent or ReadOnlyMemoryContent)
        {
            return true;
        }

        if (request.Options.TryGetValue(SessionRequestOptions.DoNotBufferContent, out var doNotBuffer) && doNotBuffer)
        {
            return false;
        }

        // Buffered content serialises from its buffer on every send, so the same instance can go out again, byte-identical,
        // with its own content headers (including a multipart boundary).
        await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A request can be sent once: each retry is a copy (method, URI, version, headers, options, the same buffered content).</summary>
    private static HttpRequestMessage Clone(HttpRequestMessage original)
    {
        var clone = new HttpRequestMessage(original.Method, original.RequestUri)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
            Content = original.Content,
        };
        foreach (var header in original.Headers.NonValidated)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in original.Options)
        {
            ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        }

        return clone;
    }

    /// <summary>The end of a redirect chain: its last response, the tokens the last hop was sent with, and whether every hop was in the scope.</summary>
    private readonly record struct FollowedRedirects(HttpResponseMessage Response, SessionTokens Tokens, bool Trusted);
}
