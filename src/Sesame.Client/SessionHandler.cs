using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// The session handler: attaches the session to requests inside the interception scope, stores the tokens of every response, and on an
/// expired-session answer lets the <see cref="RefreshCoordinator"/> refresh (once for all waiting requests) and re-sends the request with
/// its body intact (protocol/client.md 1c.3, 1c.4, 1c.6). Requests outside the scope pass through untouched.
/// Add it with <c>AddSessionHandler()</c> on an <c>IHttpClientBuilder</c>, or wrap any handler: <c>new SessionHandler(coordinator) { InnerHandler = … }</c>.
/// </summary>
/// <param name="coordinator">The refresh algorithm and session state this handler works with.</param>
public sealed class SessionHandler(RefreshCoordinator coordinator) : DelegatingHandler
{
    private static readonly System.Text.CompositeFormat s_retryLimitMessage = System.Text.CompositeFormat.Parse("Received a {0} response from {1}. Attempted to refresh the session and retry the request with the updated session tokens {2} times, but each attempt resulted in a {0} error. The maximum session refresh limit has been reached. Please investigate your API. To increase the session refresh attempts, update MaxRetryAttemptsForSessionRefresh in the options.");

    private readonly RefreshCoordinator _coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));

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

        // Already handled by an outer session handler (added twice, or a retry clone), or a refresh request: pass through.
        if (SessionRequestOptions.IsHandled(request) || request.RequestUri is null || !ShouldHandle(request))
        {
            return base.SendAsync(request, cancellationToken);
        }

        return SendWithSessionAsync(request, cancellationToken);
    }

    private bool ShouldHandle(HttpRequestMessage request)
    {
        if (_coordinator.Dialect.ExplicitCallsAlwaysHandled && request.Options.TryGetValue(SessionRequestOptions.Explicit, out var isExplicit) && isExplicit)
        {
            return true;
        }

        return _coordinator.IsInScope(request.RequestUri!);
    }

    private async Task<HttpResponseMessage> SendWithSessionAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        SessionRequestOptions.MarkHandled(request);
        var dialect = _coordinator.Dialect;
        var maxAttempts = _coordinator.Options.MaxRetryAttemptsForSessionRefresh;

        // 14.0.1: buffer the body once before the first send so a retry re-sends the same bytes. Byte-array based contents (string,
        // form, JSON via JsonContent is not, bytes) are replayable as they are.
        var replayable = await PrepareContentAsync(request, cancellationToken).ConfigureAwait(false);

        var tokens = await _coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false);
        var user = dialect.CaptureUserHeaders(request, tokens);
        var attempt = request;
        var refreshes = 0;
        while (true)
        {
            dialect.DecorateRequest(attempt, tokens, user, isRetry: !ReferenceEquals(attempt, request));
            var response = await base.SendAsync(attempt, cancellationToken).ConfigureAwait(false);
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

                    tokens = await _coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false);
                    attempt = Clone(request);
                    continue;

                case RefreshOutcomeKind.SessionExpired when outcome.Response is not null && !dialect.ReturnsRefreshResponseWhenSessionEnds:
                    outcome.Response.Dispose();
                    return response;

                default:
                    if (outcome.Response is { } refreshResponse)
                    {
                        // 1c.6: the caller gets the refresh endpoint's answer (its RequestMessage/URL is the refresh URL).
                        response.Dispose();
                        return refreshResponse;
                    }

                    return response;
            }
        }
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
}
