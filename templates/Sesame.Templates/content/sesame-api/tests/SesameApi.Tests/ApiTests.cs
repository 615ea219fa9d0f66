using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

namespace SesameApi.Tests;

/// <summary>The API started for real on 127.0.0.1 (its own session database), driven by Sesame.Client as a .NET client would.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sesame-api-tests-").FullName;
    private WebApplication _app = null!;
    private ServiceProvider _client = null!;
    private string _address = null!;

    public async ValueTask InitializeAsync()
    {
        _app = ApiHost.Build(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            // Not Production: there Session:ApiDomain (the API's public origin) is required, and this test server's port is only
            // known once it listens.
            EnvironmentName = "Testing",
            Args = ["--urls", "http://127.0.0.1:0", "--Session:DatabasePath", Path.Combine(_directory, "sesame.db")],
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        _address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = _address);
        services.AddHttpClient("api", c => c.BaseAddress = new Uri(_address)).AddSessionHandler();
        _client = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private HttpClient Api => _client.GetRequiredService<IHttpClientFactory>().CreateClient("api");

    private ISessionClient Session => _client.GetRequiredService<ISessionClient>();

    [Fact]
    public async Task ProtectedEndpoint_WithoutASession_Is401()
    {
        using var response = await Api.GetAsync("/api/me", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(await Session.DoesSessionExistAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Login_ThenTheProtectedEndpoint_AnswersWithTheUser()
    {
        var ct = TestContext.Current.CancellationToken;
        using var login = await Api.PostAsJsonAsync("/login", new { userId = "alice" }, ct);
        login.EnsureSuccessStatusCode();

        var me = await Api.GetFromJsonAsync<Me>("/api/me", ct);
        Assert.Equal("alice", me!.UserId);
        Assert.Equal("alice", await Session.GetUserIdAsync(ct));
    }

    [Fact]
    public async Task Refresh_KeepsTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        using var login = await Api.PostAsJsonAsync("/login", new { userId = "bob" }, ct);
        login.EnsureSuccessStatusCode();
        var before = await Session.GetAccessTokenAsync(ct);

        Assert.True(await Session.AttemptRefreshingSessionAsync(ct));

        Assert.NotEqual(before, await Session.GetAccessTokenAsync(ct));
        Assert.Equal("bob", (await Api.GetFromJsonAsync<Me>("/api/me", ct))!.UserId);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        using var login = await Api.PostAsJsonAsync("/login", new { userId = "carol" }, ct);
        login.EnsureSuccessStatusCode();

        await Session.SignOutAsync(ct);

        Assert.False(await Session.DoesSessionExistAsync(ct));
        using var response = await Api.GetAsync("/api/me", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private sealed record Me(string UserId);
}
