using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>Acceptance groups D (retry limit) and E (refresh failures and error propagation).</summary>
public sealed class FailureTests
{
    private static readonly ProgrammedResponse AlwaysExpired = new() { Status = 401, Body = "{\"message\":\"try refresh token\"}", ContentType = "application/json" };

    [Theory]
    [InlineData(null, 10)]
    [InlineData(5, 5)]
    [InlineData(0, 0)]
    public async Task D27_D28_D29_AlwaysExpired_RefreshesUpToTheLimit_ThenThrowsTheMessage(int? configured, int expected)
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o =>
        {
            if (configured is { } max)
            {
                o.MaxRetryAttemptsForSessionRefresh = max;
            }
        });
        await h.LoginAsync();
        h.Server.ResetCounters();
        h.Server.Program("/", AlwaysExpired, int.MaxValue);

        var error = await Assert.ThrowsAsync<SessionRefreshException>(() => h.Api.GetAsync("/"));

        Assert.Equal(expected, h.Server.RefreshCalledCount);
        Assert.Contains($"the updated session tokens {expected} times", error.Message);
        Assert.Contains("The maximum session refresh limit has been reached", error.Message);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains($"{expected} times", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E32_Refresh500_CallerGetsTheRefreshResponse_SessionKept(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.Server.Program("/", AlwaysExpired);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500, Body = "{\"message\":\"test\"}", ContentType = "application/json" });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("test", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(h.Server.RefreshUri, response.RequestMessage!.RequestUri);
        Assert.NotNull(h.Store.Current.FrontToken);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E34_Refresh401_CallerGetsTheRefresh401_SessionCleared(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.Server.Program("/", AlwaysExpired);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401, Body = "{\"message\":\"test\"}", ContentType = "application/json", RemoveSession = true });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("test", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Null(h.Store.Current.FrontToken);
        Assert.Null(h.Store.Current.AccessToken);
        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Fact]
    public async Task E35_Refresh401WithEmptyBodyAndNoFrontToken_CallerGets401_SessionTreatedAsRemoved()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/", AlwaysExpired);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401 });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        Assert.Null(h.Store.Current.FrontToken);
        Assert.Contains("Unauthorised(sessionExpiredOrRevoked: True)", h.EventNames);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E36_NoRefreshAfterA401ThatRemovesTheSession(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.Server.Program("/", new ProgrammedResponse { Status = 401, Body = "{\"message\":\"test\"}", ContentType = "application/json", RemoveSession = true });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("test", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(new Uri(h.Server.BaseAddress, "/"), response.RequestMessage!.RequestUri);
        Assert.Equal(1, h.Server.RefreshAttemptedCount); // only the probe before login
    }

    [Fact]
    public async Task E37_Original500WithoutSession_NoRefreshBeyondTheProbe()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        h.Server.Program("/", new ProgrammedResponse { Status = 500, Body = "boom" });
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500 });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("boom", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E39_CallAfterLogout_Returns401_RefreshNotCalled(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        using (var logout = await h.Api.PostAsync("/logout", null))
        {
            Assert.Equal(200, (int)logout.StatusCode);
        }

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(new Uri(h.Server.BaseAddress, "/"), response.RequestMessage!.RequestUri);
        Assert.Equal(1, h.Server.RefreshAttemptedCount); // the probe only
        Assert.Equal(0, h.Server.RefreshCalledCount);
    }

    [Theory]
    [InlineData("/testError", 500)]
    [InlineData("/testError?code=400", 400)]
    [InlineData("/testError?code=405", 405)]
    [InlineData("/testError#superTokensDoNotDoInterception", 500)]
    public async Task E42_ApiErrorsArePropagated(string path, int status)
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();

        var (actual, body) = await h.GetAsync(path);

        Assert.Equal(status, actual);
        Assert.Equal("test error message", body);
    }

    [Fact]
    public async Task E43_NetworkErrorOfTheCall_IsThrown()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/testing", new ProgrammedResponse { Abort = true });

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Api.GetAsync("/testing"));
        Assert.NotNull(h.Store.Current.FrontToken);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task RefreshNetworkError_IsThrown_SessionKept(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();
        var before = h.Store.Current;
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Abort = true });

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Api.GetAsync("/"));

        Assert.Equal(before, h.Store.Current);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RefreshSlowerThanTheClientTimeout_ThrowsOperationCanceled_SessionKept()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.RefreshRequestTimeout = TimeSpan.FromMilliseconds(300));
        await h.LoginAsync();
        h.ExpireAccessToken();
        var before = h.Store.Current;
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Delay = TimeSpan.FromSeconds(3), Status = 200 });

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Api.GetAsync("/"));

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(before, h.Store.Current);
    }

    [Fact]
    public async Task CallerCancellationDuringRefresh_ThrowsOperationCanceled_SessionKept()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        var before = h.Store.Current;
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Delay = TimeSpan.FromSeconds(3), Status = 200 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Api.GetAsync("/", cts.Token));

        Assert.Equal(before, h.Store.Current);
    }

    [Fact]
    public async Task RefreshAnsweringGarbage502_CallerGetsIt_SessionKept()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 502, Body = "<html>bad gateway\u0000\u00ff", ContentType = "text/html" });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Contains("bad gateway", await response.Content.ReadAsStringAsync());
        Assert.NotNull(h.Store.Current.FrontToken);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
    }

    [Fact]
    public async Task RefreshAnsweringAGarbageFrontToken_SessionIsKept_ButUserIdIsUnreadable()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 200, Headers = { ["front-token"] = "%%%not-base64%%%" } });
        h.Server.Program("/", AlwaysExpired);

        using var response = await h.Api.GetAsync("/");

        // The garbage refresh "succeeded" (200 + front-token), the retry reached the real server with the unchanged tokens and the next
        // refresh (real) fixed the session: garbage never crashes the client.
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("alice", await h.Session.GetUserIdAsync());
    }

    [Fact]
    public async Task E45_SignOutGeneralError_ThrowsWithTheServersMessage()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/auth/signout", new ProgrammedResponse { Status = 200, Body = "{\"status\":\"GENERAL_ERROR\",\"message\":\"general error from signout API\"}", ContentType = "application/json" });

        var error = await Assert.ThrowsAsync<SesameGeneralException>(() => h.Session.SignOutAsync());

        Assert.Equal("general error from signout API", error.Message);
    }

    [Fact]
    public async Task E46_DoesSessionExist_NoSessionAndRefresh500_False()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500 }, int.MaxValue);

        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E46_ExpiredAndRefresh500_DoesSessionExistFalse_AttemptThrows(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.ResetCounters();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500 }, int.MaxValue);

        Assert.False(await h.Session.DoesSessionExistAsync());
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => h.Session.AttemptRefreshingSessionAsync());
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(2, h.Server.RefreshAttemptedCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E46_Refresh401AfterASession_DoesSessionExistAndAttemptReturnFalse(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401, RemoveSession = true }, int.MaxValue);

        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.False(await h.Session.AttemptRefreshingSessionAsync());
    }

    [Fact]
    public async Task E47_GetAccessToken_RefreshFails_ReturnsNull()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { RefreshToken = "asdf" }, default);
        h.ExpireAccessToken();
        var attempted = h.Server.RefreshAttemptedCount;

        Assert.Null(await h.Session.GetAccessTokenAsync());
        Assert.Equal(attempted + 1, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public async Task E49_WithoutRefreshToken_AttemptRefreshingSession_False_OnlyTheStampLeft()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { RefreshToken = null }, default);

        Assert.False(await h.Session.AttemptRefreshingSessionAsync());

        var left = h.Store.Current;
        Assert.NotNull(left.LastAccessTokenUpdate);
        Assert.Null(left.FrontToken);
        Assert.Null(left.AccessToken);
        Assert.Null(left.RefreshToken);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task E50_RefreshWithInvalidTokens_ClearsEverything_CallerGetsTheRefresh401(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        var beforeLogout = h.Store.Current;
        using (await h.Api.PostAsync("/logout", null))
        {
        }

        // Restore the pre-logout state with a broken access token (the refresh token is revoked server-side).
        await h.Store.UpdateAsync(_ => method == TokenTransferMethod.Header
            ? beforeLogout with { AccessToken = "broken" }
            : beforeLogout with { Cookies = [.. beforeLogout.Cookies.Select(c => c.Name == "sAccessToken" ? c with { Value = "broken" } : c)] }, default);

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(h.Server.RefreshUri, response.RequestMessage!.RequestUri);
        var left = h.Store.Current;
        Assert.NotNull(left.LastAccessTokenUpdate);
        Assert.Null(left.FrontToken);
        Assert.Null(left.AccessToken);
        Assert.Null(left.RefreshToken);
        Assert.DoesNotContain(left.Cookies, c => c.Name is "sAccessToken" or "sRefreshToken");
    }
}
