using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>A Sesame client built through DI exactly as an app builds it (<c>AddSesameClient</c> + <c>AddSessionHandler</c>), logging to the capture.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestClient(ServiceProvider services)
    {
        _services = services;
        Api = services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        Session = services.GetRequiredService<ISessionClient>();
        Store = services.GetRequiredService<ITokenStore>();
        services.GetRequiredService<ISessionEvents>().EventRaised += (_, e) =>
        {
            lock (Events)
            {
                Events.Add(e.Type);
            }
        };
    }

    public HttpClient Api { get; }

    public ISessionClient Session { get; }

    public ITokenStore Store { get; }

    public List<SessionEventType> Events { get; } = [];

    public IServiceProvider Services => _services;

    public static TestClient Create(Uri apiBase, Action<SesameClientOptions>? configure = null, TimeProvider? time = null, string? tokenFile = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddCapture());
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var builder = services.AddSesameClient(o =>
        {
            o.ApiDomain = apiBase.GetLeftPart(UriPartial.Authority);
            configure?.Invoke(o);
        });
        if (tokenFile is not null)
        {
            builder.UseFileTokenStore(tokenFile);
        }

        services.AddHttpClient("api", c =>
        {
            c.BaseAddress = apiBase;
            c.Timeout = TimeSpan.FromSeconds(30);
        }).AddSessionHandler();
        return new TestClient(services.BuildServiceProvider());
    }

    public static TestClient Create(SesameTestServer server, Action<SesameClientOptions>? configure = null, TimeProvider? time = null, string? tokenFile = null) =>
        Create(server.BaseAddress, configure, time, tokenFile);

    public async Task LoginAsync(string userId = "alice")
    {
        using var response = await Api.PostAsync("/login", JsonContent.Create(new JsonObject { ["userId"] = userId }));
        response.EnsureSuccessStatusCode();
    }

    public async Task<(int Status, string Body)> GetAsync(string path = "/")
    {
        using var response = await Api.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
