using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Sesame client.</summary>
public static class SesameClientServiceCollectionExtensions
{
    /// <summary>The name of the <c>IHttpClientFactory</c> client that sends refresh requests. It is never intercepted (refresh requests
    /// are marked as handled); configure it like any named client (e.g. its primary handler).</summary>
    public const string RefreshHttpClientName = "Sesame.Client.Refresh";

    /// <summary>
    /// Registers the client: options (validated at start-up), <see cref="RefreshCoordinator"/>, <see cref="ISessionClient"/>,
    /// <see cref="ISessionEvents"/>, <see cref="SessionHandler"/> (transient), and the defaults <see cref="MemoryTokenStore"/>,
    /// the store's own refresh lock or <see cref="InProcessRefreshLock"/>, and <see cref="TimeProvider.System"/> (each replaceable:
    /// registered with TryAdd). Attach the handler with <c>AddHttpClient(…).AddSessionHandler()</c> or <see cref="AddSessionHandlerToAllHttpClients"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to choose the token store.</returns>
    public static SesameClientBuilder AddSesameClient(this IServiceCollection services, Action<SesameClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptionsWithValidateOnStart<SesameClientOptions, SesameClientOptionsValidator>().Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITokenStore, MemoryTokenStore>();
        services.TryAddSingleton<IRefreshLock>(static sp =>
            sp.GetRequiredService<ITokenStore>() is IRefreshLockProvider provider ? provider.RefreshLock : new InProcessRefreshLock());
        services.AddHttpClient(RefreshHttpClientName).ConfigurePrimaryHttpMessageHandler(ConfigureRefreshPrimary);

        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<SesameClientOptions>>().Value;
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return SesameClientComposition.CreateCoordinator(
                options,
                sp.GetRequiredService<ITokenStore>(),
                sp.GetRequiredService<IRefreshLock>(),
                () => factory.CreateClient(RefreshHttpClientName),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<IMeterFactory>());
        });
        services.TryAddSingleton<ISessionEvents>(static sp => sp.GetRequiredService<RefreshCoordinator>().Events);
        services.TryAddSingleton(static sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return SesameClientComposition.CreateSessionClient(sp.GetRequiredService<RefreshCoordinator>(), () => factory.CreateClient(RefreshHttpClientName));
        });
        services.TryAddTransient(static sp => new SessionHandler(sp.GetRequiredService<RefreshCoordinator>()));
        return new SesameClientBuilder(services);
    }

    /// <summary>The seeds' "interceptor" mode: adds the session handler to every <c>IHttpClientFactory</c> client (requests outside the
    /// interception scope pass through untouched; the refresh client is never intercepted). Idempotent. Call <c>AddSesameClient</c> too.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddSessionHandlerToAllHttpClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (SessionHandlerRegistration.Exists(services, name: null))
        {
            return services;
        }

        services.AddSingleton(new SessionHandlerRegistration(null));
        services.ConfigureHttpClientDefaults(static builder => builder
            .AddHttpMessageHandler(static sp => sp.GetRequiredService<SessionHandler>())
            .ConfigurePrimaryHttpMessageHandler(ConfigureSessionPrimary));
        return services;
    }

    /// <summary>Adds the session handler to this client. Idempotent: adding it twice (or here and through
    /// <see cref="AddSessionHandlerToAllHttpClients"/>) never refreshes twice — an inner handler passes requests already handled.</summary>
    /// <param name="builder">The client builder (also what <c>AddRefitClient&lt;T&gt;()</c> returns).</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddSessionHandler(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (SessionHandlerRegistration.Exists(builder.Services, builder.Name))
        {
            return builder;
        }

        builder.Services.AddSingleton(new SessionHandlerRegistration(builder.Name));
        builder.AddHttpMessageHandler(static sp => sp.GetRequiredService<SessionHandler>());
        builder.ConfigurePrimaryHttpMessageHandler(ConfigureSessionPrimary);
        return builder;
    }

    /// <summary>The primary handler of a client with the session handler: cookies as <see cref="DisableHandlerCookies"/> says, and its
    /// redirects followed by the session handler (hop by hop, the session only on hops inside the scope; docs/security.md). A primary handler
    /// set after this (<c>ConfigurePrimaryHttpMessageHandler(() => …)</c>) is the app's: if it follows redirects itself, the session handler
    /// can only refuse to store what a foreign last hop answered.</summary>
    private static void ConfigureSessionPrimary(HttpMessageHandler handler, IServiceProvider services)
    {
        DisableHandlerCookies(handler, services);
        Redirects.TakeOver(handler);
    }

    /// <summary>The refresh client's primary handler: a redirected refresh is a failed refresh, never followed (the refresh request carries
    /// the refresh token).</summary>
    private static void ConfigureRefreshPrimary(HttpMessageHandler handler, IServiceProvider services)
    {
        DisableHandlerCookies(handler, services);
        Redirects.Refuse(handler);
    }

    /// <summary>
    /// With the cookie transfer method and the legacy protocol the session's cookies live in the client's token store (so they survive
    /// restarts and are shared by processes); a primary handler with its own <c>CookieContainer</c> would override the <c>Cookie</c> header
    /// the session handler writes. So those modes switch the primary handler's cookie container off.
    /// </summary>
    private static void DisableHandlerCookies(HttpMessageHandler handler, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SesameClientOptions>>().Value;
        if (options.TokenTransferMethod != TokenTransferMethod.Cookie && options.Protocol != SessionProtocol.Legacy)
        {
            return;
        }

        try
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets:
                    sockets.UseCookies = false;
                    break;
                case HttpClientHandler client:
                    client.UseCookies = false;
                    break;
            }
        }
        catch (PlatformNotSupportedException)
        {
            // Browsers own cookies (Blazor WebAssembly): nothing to switch off.
        }
    }
}
