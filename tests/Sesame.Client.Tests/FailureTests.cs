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
    [Trait("ReferenceSuiteItem", "D27")]
    [Trait("ReferenceSuiteItem", "D28")]
    [Trait("ReferenceSuiteItem", "D29")]
    public async Task Always_expired_refreshes_up_to_the_limit_then_throws_the_message(int? configured, int expected)
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
    [Trait("ReferenceSuiteItem", "E32")]
    public async Task Refresh_500_caller_gets_the_refresh_response_session_kept(TokenTransferMethod method)
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
    [Trait("ReferenceSuiteItem", "E34")]
    public async Task Refresh_401_caller_gets_the_refresh_401_session_cleared(TokenTransferMethod method)
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
    [Trait("ReferenceSuiteItem", "E35")]
    public async Task Refresh_401_with_empty_body_and_no_front_token_caller_gets_401_session_treated_as_removed()
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
    [Trait("ReferenceSuiteItem", "E36")]
    public async Task No_refresh_after_a_401_that_removes_the_session(TokenTransferMethod method)
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
    [Trait("ReferenceSuiteItem", "E37")]
    public async Task Original_500_without_session_no_refresh_beyond_the_probe()
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
    [Trait("ReferenceSuiteItem", "E39")]
    public async Task Call_after_logout_returns_401_refresh_not_called(TokenTransferMethod method)
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
    [Trait("ReferenceSuiteItem", "E42")]
    public async Task Api_errors_are_propagated(string path, int status)
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();

        var (actual, body) = await h.GetAsync(path);

        Assert.Equal(status, actual);
        Assert.Equal("test error message", body);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "E43")]
    public async Task Network_error_of_the_call_is_thrown()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/testing", new ProgrammedResponse { Abort = true });

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Api.GetAsync("/testing"));
        Assert.NotNull(h.Store.Current.FrontToken);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Refresh_network_error_is_thrown_session_kept(TokenTransferMethod method)
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
    public async Task Refresh_slower_than_the_client_timeout_throws_operation_canceled_session_kept()
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
    public async Task Caller_cancellation_during_refresh_throws_operation_canceled_session_kept()
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
    public async Task Refresh_answering_garbage_502_caller_gets_it_session_kept()
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
    public async Task Refresh_answering_a_garbage_front_token_session_is_kept_but_user_id_is_unreadable()
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
    [Trait("ReferenceSuiteItem", "E45")]
    public async Task Sign_out_general_error_throws_with_the_servers_message()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/auth/signout", new ProgrammedResponse { Status = 200, Body = "{\"status\":\"GENERAL_ERROR\",\"message\":\"general error from signout API\"}", ContentType = "application/json" });

        var error = await Assert.ThrowsAsync<SesameGeneralException>(() => h.Session.SignOutAsync());

        Assert.Equal("general error from signout API", error.Message);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "E46")]
    public async Task Does_session_exist_no_session_and_refresh_500_false()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500 }, int.MaxValue);

        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "E46")]
    public async Task Expired_and_refresh_500_does_session_exist_false_attempt_throws(TokenTransferMethod method)
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
    [Trait("ReferenceSuiteItem", "E46")]
    public async Task Refresh_401_after_a_session_does_session_exist_and_attempt_return_false(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401, RemoveSession = true }, int.MaxValue);

        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.False(await h.Session.AttemptRefreshingSessionAsync());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "E47")]
    public async Task Get_access_token_refresh_fails_returns_null()
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
    [Trait("ReferenceSuiteItem", "E49")]
    public async Task Without_refresh_token_attempt_refreshing_session_false_only_the_stamp_left()
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
    [Trait("ReferenceSuiteItem", "E50")]
    public async Task Refresh_with_invalid_tokens_clears_everything_caller_gets_the_refresh_401(TokenTransferMethod method)
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
