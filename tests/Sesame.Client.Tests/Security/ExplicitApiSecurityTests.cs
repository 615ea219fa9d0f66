using System.Collections.Immutable;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests.Security;

/// <summary>The process-wide explicit API (<see cref="SesameRequest"/>): its test classes share this collection, so they never run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class ExplicitApiSerial
{
    public const string Name = "SesameRequest (process-wide)";
}

/// <summary>Review findings 1 and "legacy dialect scope" through the explicit API: its own primary handler, its explicit calls.</summary>
[Collection(ExplicitApiSerial.Name)]
public sealed class ExplicitApiSecurityTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SesameTestServer _server = null!;
    private ForeignHost _foreign = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        SesameRequest.Reset();
        _server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = ClientHarness.AccessTokenLifetime, _time);
        _foreign = await ForeignHost.StartAsync("localhost", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        SesameRequest.Reset();
        await _foreign.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Security_explicit_api_redirect_to_foreign_host_carries_no_session_and_plants_nothing(TokenTransferMethod method)
    {
        SesameRequest.Init(new SesameClientOptions { ApiDomain = _server.BaseAddress.ToString(), TokenTransferMethod = method }, timeProvider: _time);
        using (var login = await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = "alice" }), Ct))
        {
            login.EnsureSuccessStatusCode();
        }

        var before = SesameRequest.Coordinator.TokenStore.Current;
        _server.Program("/go", RedirectSecurityTests.Redirect(302, new Uri(_foreign.BaseAddress, "/landing")));

        using var response = await SesameRequest.GetAsync("/go", Ct);

        Assert.Equal("foreign", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty(Assert.Single(_foreign.Requests).SessionHeaderNames);
        RedirectSecurityTests.AssertSameSession(before, SesameRequest.Coordinator.TokenStore.Current);
        using var me = await SesameRequest.GetAsync("/", Ct);
        Assert.Equal("alice", await me.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Security_legacy_explicit_call_to_foreign_host_carries_no_anti_csrf_and_stores_nothing()
    {
        // A legacy session as the seed-era server leaves it: sIdRefreshToken for the API's origin and the anti-csrf token it sent.
        var api = _server.BaseAddress;
        var store = new MemoryTokenStore();
        await store.UpdateAsync(_ => new SessionTokens
        {
            AntiCsrfToken = "csrf-of-the-session",
            Cookies = ImmutableArray.Create(
                new StoredCookie("sIdRefreshToken", "irt-of-the-session", api.Host, "/", null, HostOnly: true, Secure: false),
                new StoredCookie("sAccessToken", "at-of-the-session", api.Host, "/", null, HostOnly: true, Secure: false)),
        }, Ct);
        SesameRequest.Init(
            new SesameClientOptions { RefreshTokenUrl = new Uri(api, "/refresh").ToString(), SessionExpiredStatusCode = 440, Protocol = SessionProtocol.Legacy },
            tokenStore: store, timeProvider: _time, viaInterceptor: false);
        var before = store.Current;

        // The seeds' explicit calls are "always handled" (a 440 anywhere refreshes), but the session itself stays in scope.
        using var response = await SesameRequest.GetAsync(new Uri(_foreign.BaseAddress, "/landing").ToString(), Ct);

        Assert.Equal("foreign", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty(Assert.Single(_foreign.Requests).SessionHeaderNames);
        RedirectSecurityTests.AssertSameSession(before, store.Current);
    }
}
