using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sesame.AspNetCore;

/// <summary>Access to the verified session from a request.</summary>
public static class SesameHttpContextExtensions
{
    /// <summary>The request's verified session, or <see langword="null"/> when it has none (or it did not verify).</summary>
    /// <param name="httpContext">The request.</param>
    public static SesameSession? GetSesameSession(this HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.Features.Get<SesameSession>();
    }

    /// <summary>
    /// The server-only data of the request's verified session (<see cref="ISessionService.GetSessionDataAsync"/>).
    /// </summary>
    /// <param name="httpContext">The request, which must carry a verified session.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The data, or <see langword="null"/> when the session has ended meanwhile.</returns>
    /// <exception cref="InvalidOperationException">The request has no verified Sesame session.</exception>
    public static Task<JsonObject?> GetSessionDataAsync(this HttpContext httpContext, CancellationToken cancellationToken = default) =>
        Sessions(httpContext).GetSessionDataAsync(RequiredSession(httpContext).SessionHandle, cancellationToken);

    /// <summary>
    /// Merges <paramref name="changes"/> into the server-only data of the request's verified session
    /// (<see cref="ISessionService.UpdateSessionDataAsync"/>: a <see langword="null"/> value deletes the key). No token changes.
    /// </summary>
    /// <param name="httpContext">The request, which must carry a verified session.</param>
    /// <param name="changes">The keys to set or delete.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the session has ended meanwhile.</returns>
    /// <exception cref="InvalidOperationException">The request has no verified Sesame session.</exception>
    public static Task<bool> UpdateSessionDataAsync(this HttpContext httpContext, JsonObject changes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return Sessions(httpContext).UpdateSessionDataAsync(RequiredSession(httpContext).SessionHandle, changes, cancellationToken);
    }

    private static ISessionService Sessions(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.RequestServices.GetRequiredService<ISessionService>();
    }

    private static SesameSession RequiredSession(HttpContext httpContext) =>
        httpContext.GetSesameSession()
        ?? throw new InvalidOperationException("Session data needs a request with a verified Sesame session (an endpoint that requires one).");
}
