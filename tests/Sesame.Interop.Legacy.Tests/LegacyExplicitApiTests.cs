using System.Text;
using Sesame.Client;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>
/// The seeds' explicit API, call for call: <c>init(refreshTokenUrl, 440, false)</c> then <c>fetch/get/post/put/delete</c>, against the
/// seed-era peer. The only test class that touches the process-wide <see cref="SesameRequest"/>.
/// </summary>
public sealed class LegacyExplicitApiTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private const int SessionExpiredStatusCode = 440;
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_explicit_api_init_fetch_post_put_delete_work_like_the_seeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await _peer.ResetAsync();

        // SuperTokensRequest.init("/refreshTokenURL", SESSION_EXPIRED_STATUS_CODE, false)
        SesameRequest.Init(_peer.RefreshUrl.ToString(), SessionExpiredStatusCode, viaInterceptor: false, SessionProtocol.Legacy);

        using (var login = await SesameRequest.PostAsync("/login", new StringContent("{\"userId\":\"explicit\"}", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(200, (int)login.StatusCode);
        }

        Assert.True(await SesameRequest.DoesSessionExistAsync(ct));

        // viaInterceptor false: the plain HttpClient is not handled (no cookies, no anti-csrf) and gets the peer's 440.
        using (var plain = await SesameRequest.HttpClient.GetAsync(new Uri("/", UriKind.Relative), ct))
        {
            Assert.Equal(SessionExpiredStatusCode, (int)plain.StatusCode);
        }

        await _peer.ExpireAccessTokensAsync();

        // SuperTokensRequest.fetch("/someAPI", config): expired ⇒ one refresh, then the response.
        using (var fetched = await SesameRequest.FetchAsync("/session", ct))
        {
            Assert.Equal(200, (int)fetched.StatusCode);
            Assert.Equal("explicit", await fetched.Content.ReadAsStringAsync(ct));
        }

        Assert.Equal(1, await _peer.RefreshCountAsync());

        using (var put = await SesameRequest.PutAsync("/testing", new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal("{\"a\":1}", await put.Content.ReadAsStringAsync(ct));
        }

        using (var deleted = await SesameRequest.DeleteAsync("/testing", ct))
        {
            Assert.Equal("success", await deleted.Content.ReadAsStringAsync(ct));
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new StringContent("raw", Encoding.UTF8, "text/plain") })
        using (var echoed = await SesameRequest.FetchAsync(request, ct))
        {
            Assert.Equal("raw", await echoed.Content.ReadAsStringAsync(ct));
        }

        var refreshesBefore = await _peer.RefreshCountAsync();
        Assert.True(await SesameRequest.AttemptRefreshingSessionAsync(ct));
        Assert.Equal(refreshesBefore + 1, await _peer.RefreshCountAsync());

        // init(..., true): HttpClient itself is now handled; the session survives re-initialisation.
        SesameRequest.Init(_peer.RefreshUrl.ToString(), SessionExpiredStatusCode, viaInterceptor: true, SessionProtocol.Legacy);
        using (var intercepted = await SesameRequest.HttpClient.GetAsync(new Uri("/", UriKind.Relative), ct))
        {
            Assert.Equal(200, (int)intercepted.StatusCode);
        }

        using (var logout = await SesameRequest.PostAsync("/logout", null, ct))
        {
            Assert.Equal(200, (int)logout.StatusCode);
        }

        Assert.False(await SesameRequest.DoesSessionExistAsync(ct));
        var attemptsBefore = await _peer.RefreshAttemptCountAsync();
        using (var after = await SesameRequest.GetAsync("/", ct))
        {
            Assert.Equal(SessionExpiredStatusCode, (int)after.StatusCode);
        }

        Assert.Equal(attemptsBefore, await _peer.RefreshAttemptCountAsync()); // no session: the 440 is handed over, no refresh
        Assert.Equal(0, await _peer.TheftCountAsync());
    }
}
