using System.Text.Json;
using RestSharp;
using Sesame.Testing.Server;

namespace Sesame.Client.RestSharp.Tests.Security;

/// <summary>
/// Review finding 1 through RestSharp (a guard: it held before the fix). RestSharp follows redirects itself (RestClientOptions.FollowRedirects): every hop is a new request through
/// the session handler, so the session goes only to hops inside the scope and a foreign answer is never stored. Both ways of building the
/// client: the DI <see cref="IRestClient"/> and <c>new RestClient(options.UseSesameSession(…))</c>.
/// </summary>
public sealed class RestSharpRedirectSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<TokenTransferMethod, bool> Clients => new()
    {
        { TokenTransferMethod.Header, true },
        { TokenTransferMethod.Cookie, true },
        { TokenTransferMethod.Header, false },
        { TokenTransferMethod.Cookie, false },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RestSharp_redirect_to_foreign_host_carries_no_session_and_its_answer_changes_nothing(TokenTransferMethod method, bool fromDi)
    {
        await using var foreign = await ForeignHost.StartAsync("localhost", Ct);
        await using var h = await Harness.StartAsync(method);
        await h.LoginAsync();
        var store = h.Coordinator.TokenStore;
        var before = store.Current;
        h.Server.Program("/go", new ProgrammedResponse { Status = 307, Headers = { ["Location"] = new Uri(foreign.BaseAddress, "/landing?status=401").ToString() } });
        using var owned = fromDi ? null : h.NewRestClient();
        var client = fromDi ? h.Rest : owned!;

        var response = await client.ExecuteAsync(new RestRequest("/go", Method.Post).AddJsonBody(new { hello = "world" }), Ct);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("foreign", response.Content);
        var received = Assert.Single(foreign.Requests);
        Assert.Empty(received.SessionHeaderNames);
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        Assert.Equal(before.FrontToken, store.Current.FrontToken);
        Assert.Equal(before.AccessToken, store.Current.AccessToken);
        Assert.Equal(before.RefreshToken, store.Current.RefreshToken);
        Assert.Equal(before.AntiCsrfToken, store.Current.AntiCsrfToken);
        Assert.DoesNotContain(store.Current.Cookies, c => c.Value == "planted");
        Assert.Equal(before.Cookies.Length, store.Current.Cookies.Length);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RestSharp_in_scope_redirect_307_post_keeps_the_session_and_the_body(TokenTransferMethod method, bool fromDi)
    {
        await using var h = await Harness.StartAsync(method);
        await h.LoginAsync();
        h.Server.Program("/go", new ProgrammedResponse { Status = 307, Headers = { ["Location"] = "/echo" } });
        using var owned = fromDi ? null : h.NewRestClient();
        var client = fromDi ? h.Rest : owned!;

        var response = await client.ExecuteAsync(new RestRequest("/go", Method.Post).AddJsonBody(new { hello = "world" }), Ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("world", JsonDocument.Parse(response.Content!).RootElement.GetProperty("hello").GetString());
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
    }
}
