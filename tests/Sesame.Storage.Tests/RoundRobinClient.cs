using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

namespace Sesame.Storage.Tests;

/// <summary>
/// The Sesame client (<see cref="SessionHandler"/> + refresh coordinator) in front of several server instances with no
/// load balancer: an innermost handler sends each request, refreshes included, to the next instance in turn.
/// </summary>
internal sealed class RoundRobinClient : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private RoundRobinClient(ServiceProvider services)
    {
        _services = services;
        Http = services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        Session = services.GetRequiredService<ISessionClient>();
    }

    public HttpClient Http { get; }

    public ISessionClient Session { get; }

    public static RoundRobinClient Create(IReadOnlyList<Uri> instances)
    {
        var rotation = new Rotation(instances);
        var services = new ServiceCollection();
        services.AddLogging();
        // The client knows one API address; the rotation below spreads what it sends over every instance.
        services.AddSesameClient(options => options.ApiDomain = instances[0].GetLeftPart(UriPartial.Authority));
        services.AddHttpClient(SesameClientServiceCollectionExtensions.RefreshHttpClientName)
            .AddHttpMessageHandler(() => new RoundRobinHandler(rotation));
        services.AddHttpClient("api", http => http.BaseAddress = instances[0])
            .AddSessionHandler()
            .AddHttpMessageHandler(() => new RoundRobinHandler(rotation));
        return new RoundRobinClient(services.BuildServiceProvider());
    }

    public async Task LoginAsync(string userId)
    {
        using var response = await Http.PostAsJsonAsync("/login", new { userId }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private sealed class Rotation(IReadOnlyList<Uri> instances)
    {
        private int _next = -1;

        public Uri Next() => instances[(int)((uint)Interlocked.Increment(ref _next) % (uint)instances.Count)];
    }

    private sealed class RoundRobinHandler(Rotation rotation) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = rotation.Next();
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = target.Host, Port = target.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
