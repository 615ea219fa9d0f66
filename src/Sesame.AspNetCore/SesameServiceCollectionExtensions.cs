using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore.Internal;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore;

/// <summary>Registers the Sesame server.</summary>
public static class SesameServiceCollectionExtensions
{
    /// <summary>
    /// Adds sessions: options (validated at start-up), the <c>Sesame</c> authentication scheme as the default scheme,
    /// authorization, <see cref="ISessionService"/>, a start-up step that prepares the store and signing keys, and a
    /// SQLite store at <see cref="SesameServerOptions.DatabasePath"/> unless another <see cref="ISessionStore"/> is registered.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets options in code.</param>
    /// <returns>A builder for storage choices.</returns>
    public static SesameBuilder AddSesame(this IServiceCollection services, Action<SesameServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SesameServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>Adds sessions with options bound from a configuration section (e.g. <c>builder.Configuration.GetSection("Session")</c>).</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configuration">The section holding <see cref="SesameServerOptions"/> values.</param>
    /// <returns>A builder for storage choices.</returns>
    public static SesameBuilder AddSesame(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SesameServerOptions>().Bind(configuration);
        return AddCore(services);
    }

    private static SesameBuilder AddCore(IServiceCollection services)
    {
        var builder = new SesameBuilder(services);
        if (services.Any(static d => d.ServiceType == typeof(SesameMarker)))
        {
            return builder; // a second AddSesame only adds configuration
        }

        services.AddSingleton<SesameMarker>();
        // The single-setting rules are attributes on the options (a source-generated validator); the rest is a custom validator.
        services.AddOptionsWithValidateOnStart<SesameServerOptions, SesameServerOptionsDataAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SesameServerOptions>, SesameServerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SesameSettings>();
        services.TryAddSingleton<StoreInitializer>();
        // Key material is encrypted with the app's own Data Protection key ring (AddAuthentication registers the services too;
        // the app chooses where the key ring is kept: docs/security.md).
        services.AddDataProtection();
        services.TryAddSingleton<KeyMaterialProtector>();
        services.TryAddSingleton<SigningKeyRing>();
        services.TryAddSingleton<ISigningKeyManager, SigningKeyManager>();
        services.TryAddSingleton<KeyRingReloader>();
        services.TryAddSingleton<AccessTokenService>();
        services.TryAddSingleton<RefreshTokenCodec>();
        services.TryAddSingleton<TokenTransport>();
        services.TryAddSingleton<RevokedSessions>();
        services.TryAddSingleton<SesameMetrics>();
        services.TryAddSingleton<PromotedTokenCache>();
        services.TryAddSingleton<SessionRowRotation>();
        services.TryAddSingleton<SessionVerifier>();
        services.TryAddSingleton<SessionRefresher>();
        services.TryAddSingleton<SessionAdministration>();
        services.TryAddSingleton<ISessionService, SessionService>();
        services.TryAddSingleton<ISessionStore>(static provider => new SqliteSessionStore(
            provider.GetRequiredService<IOptions<SesameServerOptions>>().Value.DatabasePath,
            provider.GetRequiredService<ILogger<SqliteSessionStore>>()));
        services.AddHostedService<SesameStartup>();
        services.AddHostedService(static provider => provider.GetRequiredService<KeyRingReloader>());
        services.AddHostedService<ExpiredSessionCleanup>();
        // The handler implements IAuthenticationHandler itself (see SesameAuthenticationHandler), so the scheme is registered the way
        // AuthenticationBuilder.AddScheme does it for AuthenticationHandler<T> types: scheme, per-scheme options, transient handler.
        services.AddAuthentication(SesameDefaults.AuthenticationScheme);
        services.Configure<AuthenticationOptions>(static authentication => authentication.AddScheme(SesameDefaults.AuthenticationScheme,
            static scheme => scheme.HandlerType = typeof(SesameAuthenticationHandler)));
        services.AddOptions<SesameAuthenticationOptions>(SesameDefaults.AuthenticationScheme);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SesameAuthenticationOptions>, SesameAuthenticationOptionsValidator>());
        services.TryAddSingleton<SesameAuthenticationOptionsCache>();
        services.TryAddTransient<SesameAuthenticationHandler>();
        services.AddAuthorization();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, Claims.SessionClaimsAuthorizationHandler>());
        return builder;
    }

    /// <summary>Marks that the core services are registered.</summary>
    private sealed class SesameMarker;
}
