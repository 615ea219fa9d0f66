using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>The static explicit API (acceptance A): the seeds' calls, against the real server. One class, so its tests never run in parallel
/// with each other (the API is process-wide).</summary>
public sealed class ExplicitApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SesameTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        SesameSession.Reset();
        _server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = ClientHarness.AccessTokenLifetime, _time);
    }

    public async ValueTask DisposeAsync()
    {
        SesameSession.Reset();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A1_CallsBeforeInit_Throw_InitFunctionNotCalled()
    {
        Assert.Equal("init function not called", (await Assert.ThrowsAsync<InvalidOperationException>(() => SesameSession.FetchAsync("/"))).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => SesameSession.AttemptRefreshingSessionAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => SesameSession.DoesSessionExistAsync());
        Assert.Throws<InvalidOperationException>(() => SesameSession.HttpClient);
    }

    [Fact]
    public async Task A3_A4_A5_SeedCalls_BehaveLikeHttpClient()
    {
        SesameSession.Init(_server.RefreshUri.ToString(), 401);

        foreach (var call in new Func<Task<HttpResponseMessage>>[]
        {
            () => SesameSession.GetAsync("/testing"),
            () => SesameSession.PostAsync("/testing", new StringContent("x")),
            () => SesameSession.PutAsync("/testing", null),
            () => SesameSession.DeleteAsync("/testing"),
        })
        {
            using var response = await call();
            Assert.Equal("success", await response.Content.ReadAsStringAsync());
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/testing");
        request.Headers.Add("testing", "testing");
        using (var echoed = await SesameSession.FetchAsync(request))
        {
            Assert.Equal("testing", echoed.Headers.GetValues("testing").Single());
        }

        using var missing = await SesameSession.GetAsync("/fail");
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task SeedExample_LoginExpiryRefreshSignOut_ThroughTheExplicitApi()
    {
        SesameSession.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);

        using (var login = await SesameSession.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
            Assert.Equal("alice", await login.Content.ReadAsStringAsync());
        }

        Assert.True(await SesameSession.DoesSessionExistAsync());
        Assert.Equal("alice", await SesameSession.GetUserIdAsync());
        Assert.NotNull(await SesameSession.GetAccessTokenAsync());
        _time.Advance(ClientHarness.AccessTokenLifetime + TimeSpan.FromSeconds(1));

        using (var me = await SesameSession.FetchAsync("/"))
        {
            Assert.Equal("alice", await me.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, _server.RefreshCalledCount);
        using (var viaClient = await SesameSession.HttpClient.GetAsync("/"))
        {
            Assert.Equal(200, (int)viaClient.StatusCode);
        }

        await SesameSession.SignOutAsync();
        Assert.False(await SesameSession.DoesSessionExistAsync());
        using var after = await SesameSession.GetAsync("/");
        Assert.Equal(401, (int)after.StatusCode);
    }

    [Fact]
    public async Task A7_InitTwice_KeepsTheSession_NoDoubleWrapping()
    {
        SesameSession.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        SesameSession.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        using (await SesameSession.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
        }

        SesameSession.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString() }, timeProvider: _time);
        Assert.True(await SesameSession.DoesSessionExistAsync());
        _time.Advance(ClientHarness.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        using (var me = await SesameSession.GetAsync("/"))
        {
            Assert.Equal(200, (int)me.StatusCode);
        }

        Assert.Equal(1, _server.RefreshCalledCount);
        await SesameSession.SignOutAsync();
        Assert.False(await SesameSession.DoesSessionExistAsync());
        using (await SesameSession.PostAsync("/login", JsonContent.Create(new { userId = "bob" })))
        {
        }

        Assert.Equal("bob", await SesameSession.GetUserIdAsync());
    }

    [Fact]
    public async Task ViaInterceptorFalse_HttpClientIsPlain_ExplicitCallsAreHandled()
    {
        SesameSession.Init(_server.RefreshUri.ToString(), 401, viaInterceptor: false);
        using (await SesameSession.PostAsync("/login", JsonContent.Create(new { userId = "alice" })))
        {
        }

        using var plain = await SesameSession.HttpClient.GetAsync("/check-rid");
        using var explicitCall = await SesameSession.GetAsync("/check-rid");

        Assert.Equal(401, (int)plain.StatusCode); // no session attached
        Assert.Equal("success", await explicitCall.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Init_InvalidOptions_ThrowsListingTheProblems()
    {
        var error = Assert.Throws<ArgumentException>(() => SesameSession.Init(new SesameClientOptions { ApiDomain = "x.com", InvalidClaimStatusCode = 401 }));
        Assert.Contains("cannot be equal", error.Message);
    }
}
