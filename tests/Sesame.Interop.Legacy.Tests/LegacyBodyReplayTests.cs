using System.Net.Http.Headers;
using System.Text;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>A POST/PUT that meets the expired session is re-sent after the refresh with its body and headers intact.</summary>
public sealed class LegacyBodyReplayTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_POST_and_PUT_bodies_are_replayed_intact_after_the_refresh()
    {
        await _peer.ResetAsync();
        await using var poster = LegacyClient.Create(_peer);
        await using var putter = LegacyClient.Create(_peer);
        await poster.LoginAsync("replay-post");
        await putter.LoginAsync("replay-put");
        await _peer.ExpireAccessTokensAsync();

        // Bytes that a re-encoding would change: non-ASCII text, a NUL, and bytes that are not valid UTF-8.
        byte[] payload = [.. Encoding.UTF8.GetBytes("{\"ünïcødé\":\"✓\",\"n\":1}"), 0x00, 0xFF, 0xFE, 0x80];
        using var postBody = new ByteArrayContent(payload);
        postBody.Headers.ContentType = new MediaTypeHeaderValue("application/x-sesame-test");
        using (var echoed = await poster.Http.PostAsync(new Uri("/echo", UriKind.Relative), postBody, TestContext.Current.CancellationToken))
        {
            Assert.Equal(200, (int)echoed.StatusCode);
            Assert.Equal(payload, await echoed.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.Equal("application/x-sesame-test", echoed.Content.Headers.ContentType?.MediaType);
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, "/testing")
        {
            Content = new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"),
        };
        put.Headers.Add("testing", "hello");
        using (var echoed = await putter.Http.SendAsync(put, TestContext.Current.CancellationToken))
        {
            Assert.Equal(200, (int)echoed.StatusCode);
            Assert.Equal("{\"a\":1}", await echoed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("hello", Assert.Single(echoed.Headers.GetValues("testing")));
        }

        // Each call met the expired session first (440) and was then re-sent: two sessions, two refreshes.
        Assert.Equal(2, await _peer.RefreshCountAsync());
        Assert.Equal(2, (await _peer.EventsAsync()).Count(e => e == "TRY_REFRESH_TOKEN"));
    }
}
