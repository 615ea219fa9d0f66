using Microsoft.AspNetCore.Http;

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
}
