using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sesame.AspNetCore;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>Acceptance groups F (anti-CSRF), G (session existence), H (events) and I (sign-out).</summary>
public sealed class SessionStateTests
{
    private static SessionTokens WithoutReadableParts(SessionTokens t) =>
        t with { FrontToken = null, LastAccessTokenUpdate = null, AntiCsrfToken = null, AccessToken = null, RefreshToken = null };

    [Fact]
    [Trait("ReferenceSuiteItem", "F")]
    public async Task Anti_csrf_via_token_cookie_mode_token_kept_and_sent_survives_refresh()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie, server: o => o.AntiCsrf = AntiCsrfMode.ViaToken);
        await h.LoginAsync();
        Assert.NotNull(h.Store.Current.AntiCsrfToken);

        using (var echo = await h.Api.PostAsync("/echo", new StringContent("x")))
        {
            Assert.Equal(200, (int)echo.StatusCode);
        }

        h.ExpireAccessToken();
        using (var echo = await h.Api.PostAsync("/echo", new StringContent("y")))
        {
            Assert.Equal(200, (int)echo.StatusCode);
            Assert.Equal("y", await echo.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "F52")]
    public async Task Anti_csrf_disabled_works(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method, server: o => o.AntiCsrf = AntiCsrfMode.None);
        await h.LoginAsync();
        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal(0, h.Server.RefreshCalledCount);
        h.ExpireAccessToken();
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        await h.Session.SignOutAsync();
        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "F54")]
    public async Task After_sign_out_get_user_id_and_payload_throw_no_session_exists(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.Equal("alice", await h.Session.GetUserIdAsync());

        await h.Session.SignOutAsync();

        Assert.Equal("No session exists", (await Assert.ThrowsAsync<SessionExpiredException>(() => h.Session.GetUserIdAsync())).Message);
        Assert.Equal("No session exists", (await Assert.ThrowsAsync<SessionExpiredException>(() => h.Session.GetAccessTokenPayloadAsync())).Message);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "F55")]
    public async Task Cookie_mode_with_anti_csrf_token_clearing_readable_state_session_gone()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie, server: o => o.AntiCsrf = AntiCsrfMode.ViaToken);
        await h.LoginAsync();
        Assert.Equal((1, 0), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
        await h.Store.UpdateAsync(WithoutReadableParts, default);

        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.Equal((2, 0), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.Equal((2, 0), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "F56")]
    public async Task Cookie_mode_without_anti_csrf_clearing_readable_state_probe_recovers_the_session()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie, server: o => o.AntiCsrf = AntiCsrfMode.None);
        await h.LoginAsync();
        await h.Store.UpdateAsync(WithoutReadableParts, default);

        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal((2, 1), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal((2, 1), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "G58")]
    public async Task Does_session_exist_logged_in_true(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.True(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "G59")]
    [Trait("ReferenceSuiteItem", "G60")]
    public async Task No_session_probes_once_then_login_without_another_probe(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);

        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.Equal((1, 0), (h.Server.RefreshAttemptedCount, h.Server.RefreshCalledCount));
        Assert.False(await h.Session.DoesSessionExistAsync());
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        await h.LoginAsync();
        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "G61")]
    public async Task Get_access_token_only_for_header_sessions(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        Assert.Null(await h.Session.GetAccessTokenAsync());
        await h.LoginAsync();
        var token = await h.Session.GetAccessTokenAsync();
        if (method == TokenTransferMethod.Header)
        {
            Assert.NotNull(token);
        }
        else
        {
            Assert.Null(token);
        }

        await h.Session.SignOutAsync();
        Assert.Null(await h.Session.GetAccessTokenAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "H62")]
    public async Task After_login_only_session_created(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.Equal(["SessionCreated"], h.EventNames);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "H63")]
    public async Task Protected_route_without_session_one_unauthorised_false(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        Assert.Equal(401, (await h.GetAsync("/")).Status);
        Assert.Equal(["Unauthorised(sessionExpiredOrRevoked: False)"], h.EventNames);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "H64")]
    public async Task After_login_clearing_everything_session_created_then_unauthorised_false(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        await h.Store.UpdateAsync(_ => SessionTokens.Empty, default);

        Assert.Equal(401, (await h.GetAsync("/")).Status);
        Assert.Equal(["SessionCreated", "Unauthorised(sessionExpiredOrRevoked: False)"], h.EventNames);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "H65")]
    public async Task Cookie_mode_clearing_only_the_http_only_cookies_session_created_then_unauthorised_true()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { Cookies = [] }, default);

        Assert.Equal(401, (await h.GetAsync("/")).Status);
        Assert.Equal(["SessionCreated", "Unauthorised(sessionExpiredOrRevoked: True)"], h.EventNames);
        Assert.Null(h.Store.Current.FrontToken);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "H66")]
    public async Task Payload_updates_fire_access_token_payload_updated_before_refresh_session(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        using (var r = await h.Api.PostAsJsonAsync("/update-jwt", new { test = 1 }))
        {
            r.EnsureSuccessStatusCode();
        }

        h.ExpireAccessToken();
        Assert.Equal(200, (await h.GetAsync("/")).Status);
        using (var r = await h.Api.PostAsJsonAsync("/update-jwt", new { test = 2 }))
        {
            r.EnsureSuccessStatusCode();
        }

        Assert.Equal(2, (await h.Session.GetAccessTokenPayloadAsync()).GetProperty("test").GetInt32());
        await h.Session.SignOutAsync();

        var names = h.EventNames;
        Assert.Equal("SessionCreated", names[0]);
        Assert.Equal("AccessTokenPayloadUpdated", names[1]);
        var refresh = Array.IndexOf(names, "RefreshSession");
        Assert.True(refresh > 1);
        Assert.Equal("AccessTokenPayloadUpdated", names[refresh - 1]);
        Assert.Equal("AccessTokenPayloadUpdated", names[^2]);
        Assert.Equal("SignOut", names[^1]);
        Assert.Single(names, n => n == "RefreshSession");
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "H68")]
    public async Task Invalid_claim_403_fires_api_invalid_claim_with_the_list_body_still_readable()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        const string body = "{\"message\":\"invalid claim\",\"claimValidationErrors\":[{\"id\":\"test-claim-failing\",\"reason\":{\"message\":\"testReason\"}}]}";
        h.Server.Program("/", new ProgrammedResponse { Status = 403, Body = body, ContentType = "application/json" });

        using var response = await h.Api.GetAsync("/");

        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        var last = h.Events[^1];
        Assert.Equal(SessionEventType.ApiInvalidClaim, last.Type);
        Assert.Equal("test-claim-failing", last.ClaimValidationErrors!.Value[0].GetProperty("id").GetString());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "H69")]
    public async Task Invalid_claim_403_without_body_no_event_no_error()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/", new ProgrammedResponse { Status = 403 });

        Assert.Equal(403, (await h.GetAsync("/")).Status);
        Assert.DoesNotContain(h.Events, e => e.Type == SessionEventType.ApiInvalidClaim);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "I71")]
    public async Task Sign_out_with_expired_access_token_refreshes_first(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();

        await h.Session.SignOutAsync();

        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "I72")]
    public async Task Sign_out_with_valid_access_token_no_refresh_later_calls_get_401(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();

        await h.Session.SignOutAsync();

        Assert.Equal(0, h.Server.RefreshCalledCount);
        Assert.False(await h.Session.DoesSessionExistAsync());
        using var response = await h.Api.GetAsync("/");
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(new Uri(h.Server.BaseAddress, "/"), response.RequestMessage!.RequestUri);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Contains("SignOut", h.EventNames);
    }

    [Fact]
    public async Task Sign_out_without_session_fires_sign_out_no_request()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401 });
        await h.Session.SignOutAsync();
        Assert.Equal(["SignOut"], h.EventNames);
    }

    [Fact]
    public async Task Payload_round_trips_unicode()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync(payload: new JsonObject { ["name"] = "łukasz 馬 / 马" });
        Assert.Equal("łukasz 馬 / 马", (await h.Session.GetAccessTokenPayloadAsync()).GetProperty("name").GetString());
    }
}
