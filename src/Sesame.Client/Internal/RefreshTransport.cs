namespace Sesame.Client.Internal;

/// <summary>
/// Sends the refresh request on a client that the session handler does not intercept (docs/protocol/refresh.md#refresh-request: a refresh that went through the
/// interceptor deadlocked). The request is also marked as handled, so a session handler that sits in that pipeline anyway passes it through.
/// </summary>
internal sealed class RefreshTransport(Func<HttpMessageInvoker> getInvoker, TimeSpan timeout)
{
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        SessionRequestOptions.MarkHandled(request);
        var invoker = getInvoker();
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // Real time on purpose (as HttpClient.Timeout): a network timeout is not session time, a test clock must not freeze it.
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await invoker.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            throw new TaskCanceledException($"The session refresh request to {request.RequestUri} did not complete within {timeout.TotalSeconds:0.###} s (RefreshRequestTimeout). The session was kept.", new TimeoutException(ex.Message, ex));
        }
    }
}
