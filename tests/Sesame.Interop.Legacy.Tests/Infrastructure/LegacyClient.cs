using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>
/// Our client in the legacy dialect, registered the way an app does it (<c>AddSesameClient</c> + <c>AddSessionHandler</c> on an
/// <c>IHttpClientFactory</c> client whose base address is the peer), with its events recorded.
/// </summary>
public sealed class LegacyClient : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly ConcurrentQueue<SessionEvent> _events = new();

    private LegacyClient(ServiceProvider provider)
    {
        _provider = provider;
        Http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("peer");
        Session = provider.GetRequiredService<ISessionClient>();
        Coordinator = provider.GetRequiredService<RefreshCoordinator>();
        provider.GetRequiredService<ISessionEvents>().EventRaised += (_, e) => _events.Enqueue(e);
    }

    /// <summary>The intercepted HttpClient (base address: the peer).</summary>
    public HttpClient Http { get; }

    /// <summary>The session operations.</summary>
    public ISessionClient Session { get; }

    /// <summary>The refresh coordinator (its token store shows what the client keeps).</summary>
    public RefreshCoordinator Coordinator { get; }

    /// <summary>The session events so far, in order.</summary>
    public IReadOnlyList<SessionEventType> Events => [.. _events.Select(e => e.Type)];

    /// <summary>Creates a client for <paramref name="peer"/> (memory token store unless <paramref name="tokenFile"/> is given;
    /// <paramref name="origin"/> replaces http://localhost:port as the origin of the refresh URL and the base address).</summary>
    public static LegacyClient Create(LegacyPeer peer, string? tokenFile = null, Action<SesameClientOptions>? configure = null, Uri? origin = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var baseAddress = origin ?? peer.BaseAddress;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(peer.Clock); // the jar expires the peer's cookies on the peer's (movable) clock
        var builder = services.AddSesameClient(options =>
        {
            options.Protocol = SessionProtocol.Legacy;
            options.RefreshTokenUrl = new Uri(baseAddress, "/refresh").ToString();
            options.SessionExpiredStatusCode = 440;
            configure?.Invoke(options);
        });
        if (tokenFile is not null)
        {
            builder.UseFileTokenStore(tokenFile);
        }

        services.AddHttpClient("peer", http => http.BaseAddress = baseAddress).AddSessionHandler();
        return new LegacyClient(services.BuildServiceProvider(validateScopes: true));
    }

    /// <summary><c>POST /login {"userId"}</c> through the intercepted client; asserts 200.</summary>
    public async Task LoginAsync(string userId)
    {
        using var body = new StringContent($$"""{"userId":"{{userId}}"}""", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri("/login", UriKind.Relative), body, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(userId, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>GET <paramref name="path"/>, returning status and body.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.RelativeOrAbsolute), TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _provider.DisposeAsync();
    }
}
