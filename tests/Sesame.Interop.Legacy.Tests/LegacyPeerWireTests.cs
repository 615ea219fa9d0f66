using System.Net;
using System.Text;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>
/// The facts about the seed-era peer that the client tests rely on, checked with a bare HttpClient and CookieContainer
/// (no Sesame code): if the peer changes, these fail first and say which assumption broke.
/// </summary>
public sealed class LegacyPeerWireTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task LegacyPeer_login_sets_the_three_cookies_and_an_anti_csrf_header_that_every_call_needs()
    {
        var jar = new CookieContainer();
        using var client = NewClient(jar);
        var antiCsrf = await LoginAsync(client, "wire-login");

        var cookies = jar.GetAllCookies().ToDictionary(c => c.Name);
        Assert.Equal(["sAccessToken", "sIdRefreshToken", "sRefreshToken"], cookies.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("/refresh", cookies["sRefreshToken"].Path);
        Assert.False(cookies["sIdRefreshToken"].HttpOnly);

        using (var withToken = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            withToken.Headers.Add("anti-csrf", antiCsrf);
            using var ok = await client.SendAsync(withToken, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var withoutToken = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(440, (int)withoutToken.StatusCode);
        Assert.Contains("\"errType\":3000", await withoutToken.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LegacyPeer_declares_theft_when_two_unsynchronised_refreshes_spend_one_refresh_token()
    {
        // What a client without a cross-process refresh lock provokes: both refreshes succeed, the first lineage is
        // used, then the second one's refresh is taken for theft and the session is revoked. The two-process client
        // test relies on this being observable through /theftCount.
        await _peer.ResetAsync();
        var jarA = new CookieContainer();
        using var clientA = NewClient(jarA);
        await LoginAsync(clientA, "wire-theft");
        var jarB = new CookieContainer();
        foreach (Cookie cookie in jarA.GetAllCookies())
        {
            jarB.Add(new Uri(_peer.BaseAddress, cookie.Path), new Cookie(cookie.Name, cookie.Value, cookie.Path));
        }

        using var clientB = NewClient(jarB);
        var antiCsrfA = await RefreshAsync(clientA);
        await RefreshAsync(clientB);

        using (var useA = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            useA.Headers.Add("anti-csrf", antiCsrfA);
            using var promoted = await clientA.SendAsync(useA, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        }

        using var stolen = await clientB.PostAsync(new Uri("/refresh", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(440, (int)stolen.StatusCode);
        Assert.Contains("\"errType\":4000", await stolen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(1, await _peer.TheftCountAsync());

        using var revoked = await clientA.PostAsync(new Uri("/refresh", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(440, (int)revoked.StatusCode);
    }

    private HttpClient NewClient(CookieContainer jar) =>
        new(new SocketsHttpHandler { CookieContainer = jar, UseCookies = true }) { BaseAddress = _peer.BaseAddress };

    private static async Task<string> LoginAsync(HttpClient client, string userId)
    {
        using var body = new StringContent($$"""{"userId":"{{userId}}"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/login", UriKind.Relative), body, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("anti-csrf"));
    }

    private static async Task<string> RefreshAsync(HttpClient client)
    {
        using var response = await client.PostAsync(new Uri("/refresh", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("anti-csrf"));
    }
}
