using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests.Security;

/// <summary>
/// Review finding 1: a redirect must never carry the session to a host outside the interception scope, and a response from such a host
/// must never change the stored session. The API is the real server on 127.0.0.1; the foreign host is a second real Kestrel reached as
/// <c>localhost</c> (another host name), which records what it received and answers with a full set of planted session headers.
/// </summary>
public sealed class RedirectSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<TokenTransferMethod, int, int> ForeignRedirects => new()
    {
        { TokenTransferMethod.Header, 302, 200 },
        { TokenTransferMethod.Cookie, 302, 200 },
        { TokenTransferMethod.Header, 307, 401 },
        { TokenTransferMethod.Cookie, 307, 401 },
    };

    [Theory]
    [MemberData(nameof(ForeignRedirects))]
    public async Task Security_redirect_to_foreign_host_carries_no_session_and_its_answer_changes_nothing(TokenTransferMethod method, int redirectStatus, int foreignStatus)
    {
        await using var foreign = await ForeignHost.StartAsync("localhost", Ct);
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        var before = h.Store.Current;
        h.Server.ResetCounters();
        h.Server.Program("/go", Redirect(redirectStatus, new Uri(foreign.BaseAddress, $"/landing?status={foreignStatus}")));

        using var response = await h.Api.PostAsync("/go", new StringContent("payload"), Ct);

        // The caller gets the foreign answer as it is (a foreign 401 is not the API's expired-session answer: no refresh).
        Assert.Equal(foreignStatus, (int)response.StatusCode);
        Assert.Equal("foreign", await response.Content.ReadAsStringAsync(Ct));
        var received = Assert.Single(foreign.Requests);
        Assert.Empty(received.SessionHeaderNames);
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        AssertSameSession(before, h.Store.Current);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task In_scope_redirect_307_post_keeps_the_session_and_the_body(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.Server.Program("/go", Redirect(307, new Uri("/echo", UriKind.Relative)));

        using var response = await h.Api.PostAsync("/go", JsonContent.Create(new { hello = "world" }), Ct);

        // /echo requires the session: the body came back, so both followed the redirect.
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("world", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("hello").GetString());
        Assert.Equal("/echo", response.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Security_refresh_endpoint_redirected_to_foreign_host_sends_no_tokens_and_plants_nothing(TokenTransferMethod method)
    {
        await using var foreign = await ForeignHost.StartAsync("localhost", Ct);
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        var before = h.Store.Current;
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, Redirect(307, new Uri(foreign.BaseAddress, "/refresh")));

        using var response = await h.Api.GetAsync("/", Ct);

        // A refresh answered by a redirect is a failed refresh: the session is kept and nothing reaches the other host.
        Assert.Empty(foreign.Requests);
        Assert.Equal(before.RefreshToken, h.Store.Current.RefreshToken);
        Assert.Equal(before.FrontToken, h.Store.Current.FrontToken);
        AssertNothingPlanted(h.Store.Current);
    }

    [Fact]
    public async Task Security_user_supplied_auto_redirecting_handler_foreign_answer_is_not_stored()
    {
        await using var foreign = await ForeignHost.StartAsync("localhost", Ct);

        // The app replaces the primary handler after AddSessionHandler(): .NET follows the redirect below the session handler, which
        // cannot strip headers on that hop (documented) but must still refuse to store what the foreign host answered.
        await using var h = await ClientHarness.StartAsync(
            TokenTransferMethod.Header,
            api: b => b.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true }));
        await h.LoginAsync();
        var before = h.Store.Current;
        h.Server.ResetCounters();
        h.Server.Program("/go", Redirect(302, new Uri(foreign.BaseAddress, "/landing?status=401")));

        using var response = await h.Api.GetAsync("/go", Ct);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Single(foreign.Requests);
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        AssertSameSession(before, h.Store.Current);
    }

    internal static ProgrammedResponse Redirect(int status, Uri location) =>
        new() { Status = status, Headers = { ["Location"] = location.ToString() } };

    internal static void AssertSameSession(SessionTokens before, SessionTokens after)
    {
        Assert.Equal(before.FrontToken, after.FrontToken);
        Assert.Equal(before.AccessToken, after.AccessToken);
        Assert.Equal(before.RefreshToken, after.RefreshToken);
        Assert.Equal(before.AntiCsrfToken, after.AntiCsrfToken);
        Assert.Equal(before.Cookies.Select(c => c.ToString() + "=" + c.Value), after.Cookies.Select(c => c.ToString() + "=" + c.Value));
        AssertNothingPlanted(after);
    }

    internal static void AssertNothingPlanted(SessionTokens tokens)
    {
        Assert.NotEqual(ForeignHost.PlantedFrontToken, tokens.FrontToken);
        Assert.NotEqual(ForeignHost.PlantedAccessToken, tokens.AccessToken);
        Assert.NotEqual(ForeignHost.PlantedRefreshToken, tokens.RefreshToken);
        Assert.NotEqual(ForeignHost.PlantedAntiCsrf, tokens.AntiCsrfToken);
        Assert.DoesNotContain(tokens.Cookies, c => c.Value == "planted");
    }
}
