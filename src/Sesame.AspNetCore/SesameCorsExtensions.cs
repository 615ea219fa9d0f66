using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Sesame.AspNetCore;

/// <summary>CORS in one line for apps whose website lives on another origin.</summary>
public static class SesameCorsExtensions
{
    /// <summary>Allows the request headers the Sesame clients send and exposes the response headers they read.</summary>
    /// <param name="policy">The policy being built.</param>
    /// <returns>The same builder.</returns>
    public static CorsPolicyBuilder WithSesameHeaders(this CorsPolicyBuilder policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.WithHeaders([.. SesameDefaults.CorsAllowedHeaders]).WithExposedHeaders([.. SesameDefaults.CorsExposedHeaders]);
    }
}
