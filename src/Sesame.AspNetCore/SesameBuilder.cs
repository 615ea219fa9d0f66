using Microsoft.Extensions.DependencyInjection;

namespace Sesame.AspNetCore;

/// <summary>What <c>AddSesame</c> returns; storage packages extend it (e.g. <c>UsePostgreSql</c>).</summary>
public sealed class SesameBuilder
{
    /// <summary>Creates the builder over <paramref name="services"/>.</summary>
    /// <param name="services">The app's services.</param>
    public SesameBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>The app's services.</summary>
    public IServiceCollection Services { get; }
}
