using Microsoft.Extensions.Options;
using RestSharp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a RestSharp client that carries the Sesame session.</summary>
public static class SesameRestSharpServiceCollectionExtensions
{
    /// <summary>The name of the <c>IHttpClientFactory</c> client behind the <see cref="IRestClient"/> registered by <see cref="AddSesameRestClient"/>.</summary>
    public const string RestClientHttpClientName = "Sesame.RestSharp";

    /// <summary>
    /// Registers <see cref="IRestClient"/> (transient, like every typed client) on an <c>IHttpClientFactory</c> client that has the session
    /// handler (<c>AddSessionHandler()</c>). The primary handler is set up the way RestSharp sets up its own (no automatic cookies or redirects:
    /// RestSharp does both itself; decompression, credentials, proxy and certificates from the options), and <see cref="HttpClient.Timeout"/>
    /// is infinite because RestSharp applies <see cref="RestClientOptions.Timeout"/> and <see cref="RestRequest.Timeout"/> itself.
    /// <see cref="RestClientOptions.ConfigureMessageHandler"/> is not used on this path: add handlers to the returned builder instead
    /// (<c>AddHttpMessageHandler</c> puts them inside the session handler; a resilience handler added before this call sits outside it).
    /// Call <c>services.AddSesameClient(…)</c> too.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the RestSharp options (base URL, timeout, <c>ThrowOnAnyError</c>…).</param>
    /// <returns>The builder of the underlying <c>IHttpClientFactory</c> client.</returns>
    public static IHttpClientBuilder AddSesameRestClient(this IServiceCollection services, Action<RestClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<RestClientOptions>(RestClientHttpClientName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        var builder = services
            .AddHttpClient(RestClientHttpClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static sp => CreatePrimaryHandler(GetOptions(sp)))
            .AddSessionHandler();
        builder.AddTypedClient<IRestClient>(static (http, sp) => new RestClient(http, GetOptions(sp), disposeHttpClient: false));
        return builder;
    }

    private static RestClientOptions GetOptions(IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<RestClientOptions>>().Get(RestClientHttpClientName);

    /// <summary>What <c>new RestClient(options)</c> does to its own <see cref="HttpClientHandler"/>, so both paths behave alike.</summary>
    private static HttpClientHandler CreatePrimaryHandler(RestClientOptions options)
    {
        var handler = new HttpClientHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            UseDefaultCredentials = options.UseDefaultCredentials,
            AutomaticDecompression = options.AutomaticDecompression,
            PreAuthenticate = options.PreAuthenticate,
        };
        if (options.Credentials is not null)
        {
            handler.Credentials = options.Credentials;
        }

        if (options.RemoteCertificateValidationCallback is { } validate)
        {
            handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => validate(request, certificate, chain, errors);
        }

        if (options.ClientCertificates is not null)
        {
            handler.ClientCertificates.AddRange(options.ClientCertificates);
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
        }

        if (options.Proxy is not null)
        {
            handler.Proxy = options.Proxy;
        }

        return handler;
    }
}
