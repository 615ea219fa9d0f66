namespace Sesame.Testing.Server;

/// <summary>
/// A handler that wraps another without being a <see cref="DelegatingHandler"/>, so a walk of the handler chain cannot see what it
/// wraps (how a second session handler hides behind a library's own handler in tests of double registration).
/// </summary>
/// <param name="inner">The handler it forwards every request to (disposed with it).</param>
public sealed class OpaqueHandler(HttpMessageHandler inner) : HttpMessageHandler
{
    private readonly HttpMessageInvoker _inner = new(inner);

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _inner.SendAsync(request, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
