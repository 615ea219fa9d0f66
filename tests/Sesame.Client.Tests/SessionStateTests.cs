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
    public async Task F_AntiCsrfViaToken_CookieMode_TokenKeptAndSent_SurvivesRefresh()
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
    public async Task F52_AntiCsrfDisabled_Works(TokenTransferMethod method)
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
    public async Task F54_AfterSignOut_GetUserIdAndPayloadThrowNoSessionExists(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.Equal("alice", await h.Session.GetUserIdAsync());

        await h.Session.SignOutAsync();

        Assert.Equal("No session exists", (await Assert.ThrowsAsync<SessionExpiredException>(() => h.Session.GetUserIdAsync())).Message);
        Assert.Equal("No session exists", (await Assert.ThrowsAsync<SessionExpiredException>(() => h.Session.GetAccessTokenPayloadAsync())).Message);
    }

    [Fact]
    public async Task F55_CookieModeWithAntiCsrfToken_ClearingReadableState_SessionGone()
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
    public async Task F56_CookieModeWithoutAntiCsrf_ClearingReadableState_ProbeRecoversTheSession()
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
    public async Task G58_DoesSessionExist_LoggedIn_True(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.True(await h.Session.DoesSessionExistAsync());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task G59_G60_NoSession_ProbesOnce_ThenLoginWithoutAnotherProbe(TokenTransferMethod method)
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
    public async Task G61_GetAccessToken_OnlyForHeaderSessions(TokenTransferMethod method)
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
    public async Task H62_AfterLogin_OnlySessionCreated(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.Equal(["SessionCreated"], h.EventNames);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task H63_ProtectedRouteWithoutSession_OneUnauthorisedFalse(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        Assert.Equal(401, (await h.GetAsync("/")).Status);
        Assert.Equal(["Unauthorised(sessionExpiredOrRevoked: False)"], h.EventNames);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task H64_AfterLoginClearingEverything_SessionCreatedThenUnauthorisedFalse(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        await h.Store.UpdateAsync(_ => SessionTokens.Empty, default);

        Assert.Equal(401, (await h.GetAsync("/")).Status);
        Assert.Equal(["SessionCreated", "Unauthorised(sessionExpiredOrRevoked: False)"], h.EventNames);
    }

    [Fact]
    public async Task H65_CookieMode_ClearingOnlyTheHttpOnlyCookies_SessionCreatedThenUnauthorisedTrue()
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
    public async Task H66_PayloadUpdates_FireAccessTokenPayloadUpdated_BeforeRefreshSession(TokenTransferMethod method)
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
    public async Task H68_InvalidClaim403_FiresApiInvalidClaimWithTheList_BodyStillReadable()
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
    public async Task H69_InvalidClaim403WithoutBody_NoEventNoError()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.Server.Program("/", new ProgrammedResponse { Status = 403 });

        Assert.Equal(403, (await h.GetAsync("/")).Status);
        Assert.DoesNotContain(h.Events, e => e.Type == SessionEventType.ApiInvalidClaim);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task I71_SignOutWithExpiredAccessToken_RefreshesFirst(TokenTransferMethod method)
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
    public async Task I72_SignOutWithValidAccessToken_NoRefresh_LaterCallsGet401(TokenTransferMethod method)
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
    public async Task SignOutWithoutSession_FiresSignOut_NoRequest()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 401 });
        await h.Session.SignOutAsync();
        Assert.Equal(["SignOut"], h.EventNames);
    }

    [Fact]
    public async Task PayloadRoundTripsUnicode()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync(payload: new JsonObject { ["name"] = "łukasz 馬 / 马" });
        Assert.Equal("łukasz 馬 / 马", (await h.Session.GetAccessTokenPayloadAsync()).GetProperty("name").GetString());
    }
}
