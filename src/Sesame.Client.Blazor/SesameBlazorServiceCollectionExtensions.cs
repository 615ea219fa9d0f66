using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sesame.Client;
using Sesame.Client.Blazor;
using Sesame.Client.Blazor.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Sesame client in a Blazor WebAssembly app.</summary>
public static class SesameBlazorServiceCollectionExtensions
{
    /// <summary>The name of the <c>IHttpClientFactory</c> client behind the injected <see cref="HttpClient"/> (session handler attached;
    /// base address = the app's base address, or the API's origin when the API is on another origin).</summary>
    public const string HttpClientName = "Sesame.Blazor";

    /// <summary>
    /// Registers the Sesame client for this WebAssembly app: <see cref="SesameBlazorServiceCollectionExtensions.AddSesameBlazorClient"/> with
    /// the API domain defaulting to the app's own origin (<c>HostEnvironment.BaseAddress</c>).
    /// </summary>
    /// <param name="builder">The WebAssembly host builder.</param>
    /// <param name="configure">Sets the protocol options (API domain, base path, status codes, events…).</param>
    /// <param name="configureBrowser">Sets the browser options (cookie domain, iframe, lock name…).</param>
    /// <returns>The client builder.</returns>
    public static SesameClientBuilder AddSesameClient(
        this WebAssemblyHostBuilder builder, Action<SesameClientOptions>? configure = null, Action<SesameBlazorOptions>? configureBrowser = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var origin = new Uri(builder.HostEnvironment.BaseAddress).GetLeftPart(UriPartial.Authority);
        return builder.Services.AddSesameBlazorClient(
            options =>
            {
                options.ApiDomain = origin;
                configure?.Invoke(options);
            },
            configureBrowser);
    }

    /// <summary>
    /// Registers the Sesame client for a browser: everything <c>AddSesameClient</c> registers, with cookie transfer (the browser keeps the
    /// HttpOnly session cookies), <see cref="BrowserCookieTokenStore"/> (front token, anti-CSRF token and stamp in the official client's
    /// cookies), <see cref="WebLocksRefreshLock"/> (one refresh across tabs), <see cref="BrowserCredentialsHandler"/> on every
    /// <c>IHttpClientFactory</c> client (credentials "include" for in-scope URLs), an injectable <see cref="HttpClient"/> with the session
    /// handler, and <see cref="SesameAuthenticationStateProvider"/> with authorization and the cascading authentication state.
    /// When <see cref="SesameClientOptions.ApiDomain"/> is not set, the app's origin is used.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the protocol options.</param>
    /// <param name="configureBrowser">Sets the browser options.</param>
    /// <returns>The client builder.</returns>
    public static SesameClientBuilder AddSesameBlazorClient(
        this IServiceCollection services, Action<SesameClientOptions>? configure = null, Action<SesameBlazorOptions>? configureBrowser = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var builder = services.AddSesameClient(options =>
        {
            // In a browser the session cookies are HttpOnly and belong to the browser: cookie transfer is the browser's mode.
            options.TokenTransferMethod = TokenTransferMethod.Cookie;
            configure?.Invoke(options);
        });
        services.AddOptions<SesameClientOptions>().PostConfigure<IServiceProvider>(static (options, sp) =>
        {
            if (options.ApiDomain is null && options.RefreshTokenUrl is null && sp.GetService<IWebAssemblyHostEnvironment>() is { } environment)
            {
                options.ApiDomain = new Uri(environment.BaseAddress).GetLeftPart(UriPartial.Authority);
            }
        });

        // The single-setting rules are attributes on the options (a source-generated validator); the rest is a custom validator.
        var browserOptions = services.AddOptionsWithValidateOnStart<SesameBlazorOptions, SesameBlazorOptionsDataAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SesameBlazorOptions>, SesameBlazorOptionsValidator>());
        if (configureBrowser is not null)
        {
            browserOptions.Configure(configureBrowser);
        }

        services.TryAddSingleton<SesameBrowserInterop>();
        builder.UseTokenStore<BrowserCookieTokenStore>();
        builder.UseRefreshLock<WebLocksRefreshLock>();

        // Every factory client (the refresh client included) sends the browser's cookies to in-scope URLs. Added after the session handler
        // of AddSessionHandlerToAllHttpClients, if any, so it sits inside it and applies to every attempt.
        services.ConfigureHttpClientDefaults(static client =>
            client.AddHttpMessageHandler(static sp => new BrowserCredentialsHandler(sp.GetRequiredService<RefreshCoordinator>())));

        services.AddHttpClient(HttpClientName, static (sp, client) => client.BaseAddress = AppBaseAddress(sp)).AddSessionHandler();

        // Replaces the template's `AddScoped(sp => new HttpClient { … })`: components that inject HttpClient get the session.
        services.Replace(ServiceDescriptor.Scoped(static sp => sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)));

        services.AddAuthorizationCore();
        services.AddCascadingAuthenticationState();
        services.TryAddScoped<SesameAuthenticationStateProvider>();
        services.Replace(ServiceDescriptor.Scoped<AuthenticationStateProvider>(static sp => sp.GetRequiredService<SesameAuthenticationStateProvider>()));
        return builder;
    }

    /// <summary>The injected client's base address: the app's base address when the API is on the app's origin (so an app under a
    /// sub-path keeps its relative URLs), else the API's origin (relative URLs go to the API).</summary>
    private static Uri AppBaseAddress(IServiceProvider services)
    {
        var coordinator = services.GetRequiredService<RefreshCoordinator>();
        var apiOrigin = new Uri(coordinator.RefreshUri.GetLeftPart(UriPartial.Authority) + "/");
        if (services.GetService<IWebAssemblyHostEnvironment>() is { } environment)
        {
            var appBase = new Uri(environment.BaseAddress);
            if (Uri.Compare(appBase, apiOrigin, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return appBase;
            }
        }

        return apiOrigin;
    }
}
