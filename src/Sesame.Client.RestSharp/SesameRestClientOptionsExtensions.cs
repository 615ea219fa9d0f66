using Microsoft.Extensions.DependencyInjection;
using RestSharp;

namespace Sesame.Client.RestSharp;

/// <summary>
/// The seeds' <c>makeSuper(axiosInstance)</c> for RestSharp: <c>new RestClient(new RestClientOptions(url).UseSesameSession(…))</c> gives a
/// client whose every call goes through the Sesame <see cref="SessionHandler"/> (tokens attached, one refresh for any number of waiting
/// calls, requests re-sent with their bodies intact). RestSharp's own behaviour is untouched: <c>ExecuteAsync</c> returns a response carrying
/// the error, <c>GetAsync&lt;T&gt;</c> and friends throw what RestSharp throws, <c>ThrowOnAnyError</c>, timeouts and cancellation work as usual.
/// </summary>
public static class SesameRestClientOptionsExtensions
{
    /// <summary>
    /// Puts the session handler of <paramref name="coordinator"/> in the message handler chain of every <see cref="RestClient"/> built from
    /// these options. It wraps whatever <see cref="RestClientOptions.ConfigureMessageHandler"/> already built (those handlers see every attempt,
    /// retries included); wrap the result yourself for handlers that must sit outside it (a resilience handler belongs outside).
    /// Idempotent: a chain that already holds a session handler is left as it is, and even two handlers in one chain refresh only once.
    /// </summary>
    /// <param name="options">The RestSharp options.</param>
    /// <param name="coordinator">The refresh algorithm and session state to use (from DI, or <see cref="SesameRequest.Coordinator"/>).</param>
    /// <returns>The same options.</returns>
    public static RestClientOptions UseSesameSession(this RestClientOptions options, RefreshCoordinator coordinator)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(coordinator);
        return Compose(options, () => coordinator);
    }

    /// <summary>
    /// Uses the session of the explicit API (<c>SesameRequest.Init(…)</c>), resolved when the <see cref="RestClient"/> is built: build the
    /// client after <c>Init</c> (before it, the constructor throws <see cref="InvalidOperationException"/> "init function not called").
    /// </summary>
    /// <param name="options">The RestSharp options.</param>
    /// <returns>The same options.</returns>
    public static RestClientOptions UseSesameSession(this RestClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Compose(options, static () => SesameRequest.Coordinator);
    }

    /// <summary>Uses the session registered with <c>services.AddSesameClient(…)</c> in <paramref name="services"/>.</summary>
    /// <param name="options">The RestSharp options.</param>
    /// <param name="services">The app's service provider.</param>
    /// <returns>The same options.</returns>
    public static RestClientOptions UseSesameSession(this RestClientOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        return Compose(options, () => services.GetRequiredService<RefreshCoordinator>());
    }

    private static RestClientOptions Compose(RestClientOptions options, Func<RefreshCoordinator> coordinator)
    {
        var previous = options.ConfigureMessageHandler;
        options.ConfigureMessageHandler = handler =>
        {
            var inner = previous is null ? handler : previous(handler);

            // Registering twice: a second registration adds nothing. The session handler also passes through requests an outer
            // session handler already took, so a chain that hides an inner one (a custom wrapper) still refreshes once.
            return HasSessionHandler(inner) ? inner : new SessionHandler(coordinator()) { InnerHandler = inner };
        };
        return options;
    }

    private static bool HasSessionHandler(HttpMessageHandler? handler)
    {
        for (var current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            if (current is SessionHandler)
            {
                return true;
            }
        }

        return false;
    }
}
