using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using RestSharp;
using Sesame.Client;
using Sesame.Client.RestSharp;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>The seed-era peer as a Refit interface.</summary>
public interface ILegacyPeerApi
{
    [Post("/login")]
    Task<string> LoginAsync([Body] LegacyLoginBody body, CancellationToken cancellationToken = default);

    [Put("/testing")]
    Task<string> PutTestingAsync([Body] LegacyLoginBody body, [Header("testing")] string testing, CancellationToken cancellationToken = default);
}

/// <summary>The login body <c>{"userId"}</c>.</summary>
public sealed record LegacyLoginBody(string userId);

/// <summary>The seeds' axios role in .NET: RestSharp (<c>makeSuper</c> ⇒ <c>UseSesameSession</c>) and Refit, on the legacy dialect.</summary>
public sealed class LegacyHttpLibraryTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_RestSharp_and_Refit_clients_refresh_on_440_and_replay_their_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        await _peer.ResetAsync();

        // RestSharp: makeSuper(axios) ⇒ RestClientOptions.UseSesameSession(coordinator).
        await using var restSession = LegacyClient.Create(_peer);
        using var rest = new RestClient(new RestClientOptions(_peer.BaseAddress).UseSesameSession(restSession.Coordinator));
        var login = await rest.ExecuteAsync(new RestRequest("/login", Method.Post).AddJsonBody(new { userId = "restsharp" }), ct);
        Assert.Equal(200, (int)login.StatusCode);

        // Refit: AddRefitClient<T>().AddSessionHandler().
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_peer.Clock);
        services.AddSesameClient(o =>
        {
            o.Protocol = SessionProtocol.Legacy;
            o.RefreshTokenUrl = _peer.RefreshUrl.ToString();
            o.SessionExpiredStatusCode = 440;
        });
        services.AddRefitGeneratedClient<ILegacyPeerApi>().ConfigureHttpClient(c => c.BaseAddress = _peer.BaseAddress).AddSessionHandler();
        await using var provider = services.BuildServiceProvider();
        var refit = provider.GetRequiredService<ILegacyPeerApi>();
        Assert.Equal("refit", await refit.LoginAsync(new LegacyLoginBody("refit"), ct));

        await _peer.ExpireAccessTokensAsync();

        var echoed = await rest.ExecuteAsync(new RestRequest("/echo", Method.Post).AddStringBody("räw bödy", "text/plain"), ct);
        Assert.Equal(200, (int)echoed.StatusCode);
        Assert.Equal("räw bödy", Encoding.UTF8.GetString(echoed.RawBytes!));

        Assert.Equal("{\"userId\":\"refit body\"}", await refit.PutTestingAsync(new LegacyLoginBody("refit body"), "hello", ct));

        Assert.Equal(2, await _peer.RefreshCountAsync());
        Assert.Equal(0, await _peer.TheftCountAsync());
    }
}
