using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Tests.Security;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>The static explicit API (acceptance A): the seeds' calls, against the real server. One class, so its tests never run in parallel
/// with each other (the API is process-wide).</summary>
[Collection(ExplicitApiSerial.Name)]
public sealed class ExplicitApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SesameTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        SesameRequest.Reset();
        _server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = ClientHarness.AccessTokenLifetime, _time);
    }

    public async ValueTask DisposeAsync()
    {
        SesameRequest.Reset();
        await _server.DisposeAsync();
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "A1")]
    public async Task Calls_before_init_throw_init_function_not_called()
    {
        Assert.Equal("init function not called", (await Assert.ThrowsAsync<InvalidOperationException>(() => SesameRequest.FetchAsync("/"))).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => SesameRequest.AttemptRefreshingSessionAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => SesameRequest.DoesSessionExistAsync());
        Assert.Throws<InvalidOperationException>(() => SesameRequest.HttpClient);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "A3")]
    [Trait("ReferenceSuiteItem", "A4")]
    [Trait("ReferenceSuiteItem", "A5")]
    public async Task Seed_calls_behave_like_http_client()
    {
        SesameRequest.Init(_server.RefreshUri.ToString(), 401);

        foreach (var call in new Func<Task<HttpResponseMessage>>[]
        {
            () => SesameRequest.GetAsync("/testing"),
            () => SesameRequest.PostAsync("/testing", new StringContent("x")),
            () => SesameRequest.PutAsync("/testing", null),
            () => SesameRequest.DeleteAsync("/testing"),
        })
        {
            using var response = await call();
            Assert.Equal("success", await response.Content.ReadAsStringAsync());
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/testing");
        request.Headers.Add("testing", "testing");
        using (var echoed = await SesameRequest.FetchAsync(request))
        {
            Assert.Equal("testing", echoed.Headers.GetValues("testing").Single());
        }

        using var missing = await SesameRequest.GetAsync("/fail");
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task Seed_example_login_expiry_refresh_sign_out_through_the_explicit_api()
    {
        SesameRequest.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);

        using (var login = await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
            Assert.Equal("alice", await login.Content.ReadAsStringAsync());
        }

        Assert.True(await SesameRequest.DoesSessionExistAsync());
        Assert.Equal("alice", await SesameRequest.GetUserIdAsync());
        Assert.NotNull(await SesameRequest.GetAccessTokenAsync());
        _time.Advance(ClientHarness.AccessTokenLifetime + TimeSpan.FromSeconds(1));

        using (var me = await SesameRequest.FetchAsync("/"))
        {
            Assert.Equal("alice", await me.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, _server.RefreshCalledCount);
        using (var viaClient = await SesameRequest.HttpClient.GetAsync("/"))
        {
            Assert.Equal(200, (int)viaClient.StatusCode);
        }

        await SesameRequest.SignOutAsync();
        Assert.False(await SesameRequest.DoesSessionExistAsync());
        using var after = await SesameRequest.GetAsync("/");
        Assert.Equal(401, (int)after.StatusCode);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "A7")]
    public async Task Init_twice_keeps_the_session_no_double_wrapping()
    {
        SesameRequest.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        SesameRequest.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        using (await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
        }

        SesameRequest.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        Assert.True(await SesameRequest.DoesSessionExistAsync());
        _time.Advance(ClientHarness.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        using (var me = await SesameRequest.GetAsync("/"))
        {
            Assert.Equal(200, (int)me.StatusCode);
        }

        Assert.Equal(1, _server.RefreshCalledCount);
        await SesameRequest.SignOutAsync();
        Assert.False(await SesameRequest.DoesSessionExistAsync());
        using (await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = "bob" })))
        {
        }

        Assert.Equal("bob", await SesameRequest.GetUserIdAsync());
    }

    [Fact]
    public async Task Via_interceptor_false_http_client_is_plain_explicit_calls_are_handled()
    {
        SesameRequest.Init(_server.RefreshUri.ToString(), 401, viaInterceptor: false);
        using (await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
        }

        using var plain = await SesameRequest.HttpClient.GetAsync("/check-rid");
        using var explicitCall = await SesameRequest.GetAsync("/check-rid");

        Assert.Equal(401, (int)plain.StatusCode); // no session attached
        Assert.Equal("success", await explicitCall.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Init_invalid_options_throws_listing_the_problems()
    {
        var error = Assert.Throws<ArgumentException>(() => SesameRequest.Init(new SesameClientOptions { ApiDomain = "x.com", InvalidClaimStatusCode = 401 }));
        Assert.Contains("cannot be equal", error.Message);
    }
}
