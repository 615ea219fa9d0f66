using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;

namespace Sesame.AspNetCore.Identity.Tests;

using TokenTransferMethod = Sesame.Client.TokenTransferMethod;

/// <summary>
/// ASP.NET Core Identity (EF Core store in SQLite files) with Sesame sessions on real Kestrel instances, driven by the Sesame .NET client:
/// login, protected calls, and Identity's rules (security stamp, lockout, deleted users, two-factor, roles) carried into sessions.
/// </summary>
public sealed class IdentitySessionTests : IAsyncLifetime
{
    private const string Password = "Passw0rd!";
    private const string NewPassword = "N3w-Passw0rd!";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly IdentityTestStorage _storage = IdentityTestStorage.NewSqlite();
    private readonly List<IAsyncDisposable> _owned = [];
    private IdentityTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await StartHostAsync();

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_storage.IdentitySqlitePath)!, recursive: true);
    }

    [Fact]
    public async Task Register_login_protected_call_with_the_dotnet_client_in_header_and_cookie_mode()
    {
        await RegisterAsync("alice@example.com");
        foreach (var method in new[] { TokenTransferMethod.Header, TokenTransferMethod.Cookie })
        {
            var device = Own(new Device(_host, _time, method));
            Assert.Equal((200, null), await device.LoginAsync("alice@example.com", Password));
            var me = await device.GetAsync("/api/me");
            Assert.Equal(200, me.Status);
            Assert.Equal(await UserIdAsync("alice@example.com"), me.Body);

            // UserManager.GetUserAsync(User) finds the user of a Sesame principal (the user id claim is "sub").
            Assert.Equal((200, "alice@example.com"), await device.GetAsync("/api/identity-user"));

            // An expired access token is refreshed by the client (Identity's rules pass), once, and the call goes through.
            _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
            Assert.Equal(200, (await device.GetAsync("/api/me")).Status);

            // GET /manage/info answers MapIdentityApi's InfoResponse.
            var (status, info) = await GetJsonAsync(device, "/manage/info");
            Assert.Equal(200, status);
            Assert.Equal("alice@example.com", info.GetProperty("email").GetString());
            Assert.False(info.GetProperty("isEmailConfirmed").GetBoolean());
        }
    }

    [Fact]
    public async Task Password_change_ends_every_other_session_on_every_instance_keeps_the_callers_and_the_others_log_in_again()
    {
        await RegisterAsync("alice@example.com");
        var secondInstance = Own(await StartHostAsync());
        var laptop = Own(new Device(_host, _time));
        var phone = Own(new Device(secondInstance, _time));
        var tablet = Own(new Device(_host, _time, TokenTransferMethod.Cookie));
        foreach (var device in new[] { laptop, phone, tablet })
        {
            Assert.Equal(200, (await device.LoginAsync("alice@example.com", Password)).Status);
            Assert.Equal(200, (await device.GetAsync("/api/me")).Status);
        }

        var (status, _) = await laptop.PostJsonAsync("/manage/info", new { oldPassword = Password, newPassword = NewPassword });
        Assert.Equal(200, status);
        var userId = await UserIdAsync("alice@example.com");
        Assert.Single(await SessionsOfAsync(userId));

        // Every access token expires: the laptop's session (which made the change) refreshes, the others' refreshes answer 401.
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await laptop.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await phone.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await tablet.GetAsync("/api/me")).Status);
        Assert.False(await phone.Session.DoesSessionExistAsync());
        Assert.False(await tablet.Session.DoesSessionExistAsync());

        // The old password no longer logs in; the new one does, on either instance.
        Assert.Equal((400, "Failed"), await phone.LoginAsync("alice@example.com", Password));
        Assert.Equal(200, (await phone.LoginAsync("alice@example.com", NewPassword)).Status);
        Assert.Equal(200, (await phone.GetAsync("/api/me")).Status);
        Assert.Equal(2, (await SessionsOfAsync(userId)).Count);
    }

    [Fact]
    public async Task Security_stamp_changed_by_app_code_every_session_refreshes_to_401_on_every_instance()
    {
        await RegisterAsync("alice@example.com");
        var secondInstance = Own(await StartHostAsync());
        var first = Own(new Device(_host, _time));
        var second = Own(new Device(secondInstance, _time, TokenTransferMethod.Cookie));
        Assert.Equal(200, (await first.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await second.LoginAsync("alice@example.com", Password)).Status);

        // Not through the endpoints: the session rows stay, and only the stamp check at refresh can end them.
        await _host.WithUsersAsync(async users => await users.UpdateSecurityStampAsync((await users.FindByEmailAsync("alice@example.com"))!));

        // Until it expires, an access token still verifies (no database read per request): the documented window.
        Assert.Equal(200, (await first.GetAsync("/api/me")).Status);
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await first.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await second.GetAsync("/api/me")).Status);

        // A refused refresh revokes the session, so it is not listed any more either.
        Assert.Empty(await SessionsOfAsync(await UserIdAsync("alice@example.com")));
        Assert.Equal(200, (await first.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await first.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task Lockout_after_failed_attempts_refuses_the_right_password_and_the_users_sessions_cannot_refresh()
    {
        await RegisterAsync("alice@example.com");
        var signedIn = Own(new Device(_host, _time));
        Assert.Equal(200, (await signedIn.LoginAsync("alice@example.com", Password)).Status);

        var attacker = Own(new Device(_host, _time));
        for (var attempt = 1; attempt < 5; attempt++)
        {
            Assert.Equal((400, "Failed"), await attacker.LoginAsync("alice@example.com", "wrong-" + attempt));
        }

        Assert.Equal((400, "LockedOut"), await attacker.LoginAsync("alice@example.com", "wrong-5"));
        Assert.Equal((400, "LockedOut"), await attacker.LoginAsync("alice@example.com", Password));

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await signedIn.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task Lockout_can_be_left_out_of_the_refresh_rules()
    {
        await using var host = await IdentityTestHost.StartAsync(_storage, _time, sesameIdentity: o => o.RefuseRefreshWhenLockedOut = false);
        await RegisterAsync("alice@example.com");
        var signedIn = Own(new Device(host, _time));
        Assert.Equal(200, (await signedIn.LoginAsync("alice@example.com", Password)).Status);
        await host.WithUsersAsync(async users =>
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync("alice@example.com"))!, DateTimeOffset.MaxValue));

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await signedIn.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task Deleted_user_cannot_refresh()
    {
        await RegisterAsync("alice@example.com");
        var device = Own(new Device(_host, _time));
        Assert.Equal(200, (await device.LoginAsync("alice@example.com", Password)).Status);
        await _host.WithUsersAsync(async users => await users.DeleteAsync((await users.FindByEmailAsync("alice@example.com"))!));

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await device.GetAsync("/api/me")).Status);
        Assert.False(await device.Session.DoesSessionExistAsync());
    }

    [Fact]
    public async Task Two_factor_login_needs_the_authenticator_code_or_a_recovery_code()
    {
        await RegisterAsync("alice@example.com");
        var owner = Own(new Device(_host, _time));
        var other = Own(new Device(_host, _time));
        Assert.Equal(200, (await owner.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await other.LoginAsync("alice@example.com", Password)).Status);

        // MapIdentityApi's 2fa flow: read the shared key, enable with a code from the authenticator, get recovery codes.
        var (status, setup) = await owner.PostJsonAsync("/manage/2fa", new { });
        Assert.Equal(200, status);
        var key = setup.GetProperty("sharedKey").GetString()!;
        Assert.False(setup.GetProperty("isTwoFactorEnabled").GetBoolean());
        (status, var enabled) = await owner.PostJsonAsync("/manage/2fa", new { enable = true, twoFactorCode = Authenticator.Code(key, DateTimeOffset.UtcNow) });
        Assert.Equal(200, status);
        Assert.True(enabled.GetProperty("isTwoFactorEnabled").GetBoolean());
        Assert.False(enabled.GetProperty("isMachineRemembered").GetBoolean());
        var recoveryCodes = enabled.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(10, recoveryCodes.Length);

        // Enabling two-factor changed the stamp: the owner's session goes on, the other one ends at its refresh.
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await owner.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await other.GetAsync("/api/me")).Status);

        Assert.Equal((400, "RequiresTwoFactor"), await other.LoginAsync("alice@example.com", Password));
        Assert.Equal((400, "Failed"), await other.LoginAsync("alice@example.com", Password, twoFactorCode: "000000"));
        Assert.False(await other.Session.DoesSessionExistAsync());
        Assert.Equal((200, null), await other.LoginAsync("alice@example.com", Password, twoFactorCode: Authenticator.Code(key, DateTimeOffset.UtcNow)));
        Assert.Equal(200, (await other.GetAsync("/api/me")).Status);

        var third = Own(new Device(_host, _time));
        Assert.Equal((200, null), await third.LoginAsync("alice@example.com", Password, recoveryCode: recoveryCodes[0]));
        Assert.Equal((400, "Failed"), await Own(new Device(_host, _time)).LoginAsync("alice@example.com", Password, recoveryCode: recoveryCodes[0]));
    }

    [Fact]
    public async Task Role_from_Identity_reaches_authorize_roles_and_the_payload()
    {
        await RegisterAsync("alice@example.com");
        await RegisterAsync("bob@example.com");
        await _host.WithUsersAsync(async users =>
        {
            var roles = _host.Services.CreateScope().ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            await roles.CreateAsync(new IdentityRole("admin"));
            return await users.AddToRoleAsync((await users.FindByEmailAsync("alice@example.com"))!, "admin");
        });

        var alice = Own(new Device(_host, _time));
        var bob = Own(new Device(_host, _time));
        Assert.Equal(200, (await alice.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await bob.LoginAsync("bob@example.com", Password)).Status);

        Assert.Equal((200, "admin ok"), await alice.GetAsync("/api/admin"));
        Assert.Equal((200, "admin"), await alice.GetAsync("/api/roles"));
        Assert.Equal(403, (await bob.GetAsync("/api/admin")).Status);

        // The payload carries the roles, the user's name and email, and a hash of the stamp, never the stamp itself.
        var payload = await alice.Session.GetAccessTokenPayloadAsync();
        Assert.Equal(["admin"], payload.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("alice@example.com", payload.GetProperty("email").GetString());
        var stamp = await _host.WithUsersAsync(async users => await users.GetSecurityStampAsync((await users.FindByEmailAsync("alice@example.com"))!));
        Assert.DoesNotContain(stamp, payload.GetRawText(), StringComparison.Ordinal);
        Assert.True(payload.TryGetProperty("identityStamp", out _));

        // Still there after a refresh (the payload is the session's).
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "admin ok"), await alice.GetAsync("/api/admin"));
    }

    [Fact]
    public async Task Role_added_after_login_reaches_the_sessions_at_their_next_refresh_after_update_session_payloads_but_not_an_ended_session()
    {
        await RegisterAsync("alice@example.com");
        var device = Own(new Device(_host, _time));
        Assert.Equal(200, (await device.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(403, (await device.GetAsync("/api/admin")).Status);

        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            await scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>().CreateAsync(new IdentityRole("admin"));
            var alice = (await users.FindByEmailAsync("alice@example.com"))!;
            await users.AddToRoleAsync(alice, "admin");
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<SesameIdentitySessions<IdentityUser>>().UpdateSessionPayloadsAsync(alice));
        }

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "admin ok"), await device.GetAsync("/api/admin"));

        // A stamp change ends the session; updating payloads afterwards must not bring it back.
        var other = Own(new Device(_host, _time));
        Assert.Equal(200, (await other.LoginAsync("alice@example.com", Password)).Status);
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var alice = (await users.FindByEmailAsync("alice@example.com"))!;
            await users.UpdateSecurityStampAsync(alice);
            await scope.ServiceProvider.GetRequiredService<SesameIdentitySessions<IdentityUser>>().UpdateSessionPayloadsAsync(alice);
        }

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await device.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await other.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task Forgot_and_reset_password_ends_every_session()
    {
        await RegisterAsync("alice@example.com");
        await ConfirmEmailAsync("alice@example.com");
        var device = Own(new Device(_host, _time));
        Assert.Equal(200, (await device.LoginAsync("alice@example.com", Password)).Status);

        using var anonymous = new HttpClient { BaseAddress = _host.BaseAddress };
        using (var forgot = await anonymous.PostAsJsonAsync("/forgotPassword", new { email = "alice@example.com" }))
        {
            Assert.Equal(200, (int)forgot.StatusCode);
        }

        var code = _host.Emails.Last("alice@example.com", "reset-code");
        using (var wrong = await anonymous.PostAsJsonAsync("/resetPassword", new { email = "alice@example.com", resetCode = "bad", newPassword = NewPassword }))
        {
            Assert.Equal(400, (int)wrong.StatusCode);
            Assert.Contains("InvalidToken", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var reset = await anonymous.PostAsJsonAsync("/resetPassword", new { email = "alice@example.com", resetCode = code, newPassword = NewPassword }))
        {
            Assert.Equal(200, (int)reset.StatusCode);
        }

        Assert.Empty(await SessionsOfAsync(await UserIdAsync("alice@example.com")));
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await device.GetAsync("/api/me")).Status);
        Assert.Equal(200, (await device.LoginAsync("alice@example.com", NewPassword)).Status);
    }

    [Fact]
    public async Task Register_answers_map_Identity_apis_validation_problems()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.BaseAddress };
        await RegisterAsync("alice@example.com");
        using var duplicate = await anonymous.PostAsJsonAsync("/register", new { email = "alice@example.com", password = Password });
        Assert.Equal(400, (int)duplicate.StatusCode);
        var problem = await duplicate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("DuplicateUserName", out _));

        using var weak = await anonymous.PostAsJsonAsync("/register", new { email = "bob@example.com", password = "weak" });
        Assert.Equal(400, (int)weak.StatusCode);
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("PasswordTooShort", out _));

        using var notAnEmail = await anonymous.PostAsJsonAsync("/register", new { email = "bob", password = Password });
        Assert.True((await notAnEmail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("InvalidEmail", out _));

        // Without a session the manage endpoints answer the session protocol's 401.
        using var info = await anonymous.GetAsync("/manage/info");
        Assert.Equal(401, (int)info.StatusCode);
    }

    private async Task<IdentityTestHost> StartHostAsync() => await IdentityTestHost.StartAsync(_storage, _time);

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task RegisterAsync(string email)
    {
        using var anonymous = new HttpClient { BaseAddress = _host.BaseAddress };
        using var response = await anonymous.PostAsJsonAsync("/register", new { email, password = Password });
        Assert.Equal(200, (int)response.StatusCode);
    }

    private async Task ConfirmEmailAsync(string email)
    {
        using var anonymous = new HttpClient();
        using var response = await anonymous.GetAsync(_host.Emails.Last(email, "confirm"));
        Assert.Equal(200, (int)response.StatusCode);
    }

    private Task<string> UserIdAsync(string email) =>
        _host.WithUsersAsync(async users => (await users.FindByEmailAsync(email))!.Id);

    private async Task<IReadOnlyList<SessionInfo>> SessionsOfAsync(string userId) =>
        await _host.Services.GetRequiredService<ISessionService>().ListSessionsAsync(userId);

    private static async Task<(int Status, JsonElement Body)> GetJsonAsync(Device device, string path)
    {
        using var response = await device.Api.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
