namespace Sesame.Client.Internal;

/// <summary>Forwards to an invoker obtained per request (an <c>IHttpClientFactory</c> client, or the explicit API's own).</summary>
internal sealed class InvokerHandler(Func<HttpMessageInvoker> getInvoker) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        getInvoker().SendAsync(request, cancellationToken);
}
