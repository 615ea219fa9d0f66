using Microsoft.AspNetCore.Components.WebAssembly.Http;

namespace Sesame.Client.Blazor;

/// <summary>
/// Sends the browser's cookies with every request inside the session's interception scope (fetch <c>credentials: "include"</c>, what the
/// official client's <c>autoAddCredentials</c> does), so the HttpOnly session cookies reach a cross-origin API too. Requests outside the scope
/// and requests whose credentials mode the caller already chose are left alone.
/// </summary>
/// <param name="coordinator">Decides the interception scope.</param>
public sealed class BrowserCredentialsHandler(RefreshCoordinator coordinator) : DelegatingHandler
{
    // The key SetBrowserRequestCredentials writes (Microsoft.AspNetCore.Components.WebAssembly.Http.WebAssemblyHttpRequestMessageExtensions).
    private static readonly HttpRequestOptionsKey<IDictionary<string, object?>> s_fetchOptions = new("WebAssemblyFetchOptions");

    private readonly RefreshCoordinator _coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: true } uri && _coordinator.IsInScope(uri) && !CallerChoseCredentials(request))
        {
            request.SetBrowserRequestCredentials(BrowserRequestCredentials.Include);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static bool CallerChoseCredentials(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_fetchOptions, out var fetchOptions) && fetchOptions is not null && fetchOptions.ContainsKey("credentials");
}
