using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using RestSharp;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Client.RestSharp.Tests;

/// <summary>The seed-era peer (Express + supertokens-node-mysql-ref-jwt on MariaDB) as a Refit interface.</summary>
public interface ILegacyRefitApi
{
    [Post("/login")]
    Task<string> LoginAsync([Body] LoginBody body, CancellationToken cancellationToken = default);

    [Get("/session")]
    Task<string> GetUserIdAsync(CancellationToken cancellationToken = default);

    [Get("/session")]
    Task<IApiResponse<string>> GetUserIdResponseAsync(CancellationToken cancellationToken = default);

    [Post("/revokeAll")]
    Task<string> RevokeAllAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// RestSharp and Refit in the legacy dialect against the real seed-era peer (fixture linked from Sesame.Interop.Legacy.Tests): the
/// seeds' axios outcomes (docs/protocol/legacy.md#refresh) as RestSharp and Refit report them. The peer has no fake clock: tokens live 2 s.
/// </summary>
public sealed class LegacyRestSharpAndRefitTests(RestSharpLegacyPeerFixture fixture) : IClassFixture<RestSharpLegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Legacy_RestSharp_and_Refit_share_one_session_and_one_refresh_after_440()
    {
        await _peer.ResetAsync();
        await using var services = CreateServices();
        var rest = services.GetRequiredService<IRestClient>();
        var refit = services.GetRequiredService<ILegacyRefitApi>();
        Assert.Equal("legacy-both", await refit.LoginAsync(new LoginBody("legacy-both"), Ct));
        await _peer.WaitForAccessTokenExpiryAsync();

        // Ten calls from each library on the expired session: one refresh, every call answered.
        var calls = Enumerable.Range(0, 10).SelectMany(_ => new[]
        {
            Task.Run(async () => (await rest.ExecuteAsync(new RestRequest("/session"), Ct)).Content),
            Task.Run(async () => (string?)await refit.GetUserIdAsync(Ct)),
        });
        Assert.All(await Task.WhenAll(calls), body => Assert.Equal("legacy-both", body));

        // A form body is re-sent intact after the 440 (the peer's /testing echoes the raw body).
        await _peer.WaitForAccessTokenExpiryAsync();
        var form = new RestRequest("/testing", Method.Post).AddParameter("name", "łukasz & 马").AddParameter("n", "1");
        var echoed = await rest.ExecuteAsync(form, Ct);
        Assert.Equal(HttpStatusCode.OK, echoed.StatusCode);
        Assert.Equal("name=%C5%82ukasz%20%26%20%E9%A9%AC&n=1", echoed.Content); // RestSharp's own form encoding, re-sent as is

        Assert.Equal(2, await _peer.RefreshCountAsync());
        Assert.Equal(2, await _peer.RefreshAttemptCountAsync());
        Assert.Equal(0, await _peer.TheftCountAsync());
    }

    [Fact]
    public async Task Legacy_session_ended_by_the_peer_gives_RestSharp_and_Refit_the_call_s_own_440()
    {
        await _peer.ResetAsync();
        await using var services = CreateServices(o => o.ThrowOnAnyError = false);
        var rest = services.GetRequiredService<IRestClient>();
        var refit = services.GetRequiredService<ILegacyRefitApi>();
        await refit.LoginAsync(new LoginBody("legacy-ended"), Ct);
        await refit.RevokeAllAsync(Ct);
        await _peer.WaitForAccessTokenExpiryAsync();

        // docs/protocol/legacy.md#refresh: the refresh answers 440 and clears sIdRefreshToken ⇒ SESSION_EXPIRED ⇒ the caller gets its own 440, not the refresh's.
        var response = await rest.ExecuteAsync(new RestRequest("/session"), Ct);
        Assert.Equal((HttpStatusCode)440, response.StatusCode);
        Assert.Equal(new Uri(_peer.BaseAddress, "/session"), response.ResponseUri);
        Assert.Equal(ResponseStatus.Error, response.ResponseStatus);
        Assert.Equal((HttpStatusCode)440, Assert.IsType<HttpRequestException>(response.ErrorException).StatusCode);
        Assert.False(await services.GetRequiredService<ISessionClient>().DoesSessionExistAsync(Ct));

        // The seeds' `err.response.status === 440` in Refit: ApiException / IApiResponse with 440; no session ⇒ no more refreshes.
        var error = await Assert.ThrowsAsync<ApiException>(() => refit.GetUserIdAsync(Ct));
        Assert.Equal((HttpStatusCode)440, error.StatusCode);
        Assert.Equal(new Uri(_peer.BaseAddress, "/session"), error.Uri);
        using var apiResponse = await refit.GetUserIdResponseAsync(Ct);
        Assert.Equal((HttpStatusCode)440, apiResponse.StatusCode);
        Assert.Equal(1, await _peer.RefreshAttemptCountAsync());
        Assert.Equal(0, await _peer.RefreshCountAsync());
    }

    [Fact]
    public async Task Legacy_refresh_500_reaches_RestSharp_and_Refit_as_the_refresh_response_and_the_session_is_kept()
    {
        await _peer.ResetAsync();
        await using var services = CreateServices();
        var rest = services.GetRequiredService<IRestClient>();
        var refit = services.GetRequiredService<ILegacyRefitApi>();
        await refit.LoginAsync(new LoginBody("legacy-500"), Ct);
        await _peer.ProgramRefreshAsync(500, times: 2, body: "refresh broken");
        await _peer.WaitForAccessTokenExpiryAsync();

        var response = await rest.ExecuteAsync(new RestRequest("/session"), Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("refresh broken", response.Content);
        Assert.Equal(_peer.RefreshUrl, response.ResponseUri);

        var error = await Assert.ThrowsAsync<ApiException>(() => refit.GetUserIdAsync(Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("refresh broken", error.Content);

        // Kept: once the endpoint works again, the same calls refresh and succeed.
        Assert.Equal("legacy-500", await refit.GetUserIdAsync(Ct));
        Assert.Equal("legacy-500", (await rest.ExecuteAsync(new RestRequest("/session"), Ct)).Content);
        Assert.Equal(1, await _peer.RefreshCountAsync());
        Assert.Equal(3, await _peer.RefreshAttemptCountAsync());
    }

    private ServiceProvider CreateServices(Action<RestClientOptions>? rest = null)
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o =>
        {
            o.Protocol = SessionProtocol.Legacy;
            o.RefreshTokenUrl = _peer.RefreshUrl.ToString();
            o.SessionExpiredStatusCode = 440;
        });
        services.AddSesameRestClient(o =>
        {
            o.BaseUrl = _peer.BaseAddress;
            rest?.Invoke(o);
        });
        services.AddRefitGeneratedClient<ILegacyRefitApi>().ConfigureHttpClient(c => c.BaseAddress = _peer.BaseAddress).AddSessionHandler();
        return services.BuildServiceProvider();
    }
}

/// <summary>
/// One seed-era peer for this class, with access tokens living 2 s. Its tables get their own suffix: the legacy interop project
/// runs its peers at the same time on the same MariaDB database, numbering its suffixes p1, p2, … per process.
/// </summary>
public sealed class RestSharpLegacyPeerFixture(LegacyEnvironment environment) : IAsyncLifetime
{
    private LegacyPeer? _peer;

    public LegacyPeer Peer => _peer ?? throw new InvalidOperationException("the peer has not started");

    public async ValueTask InitializeAsync() => _peer = await LegacyPeer.StartAsync(environment, TimeSpan.FromSeconds(2), "restsharp");

    public async ValueTask DisposeAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
    }
}
