using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore.Internal;
using Sesame.AspNetCore.Storage;

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
