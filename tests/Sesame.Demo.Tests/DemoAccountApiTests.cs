using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;
using Sesame.Client.Claims;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>
/// The demo's role-protected call, its session-claim guard and its sessions list, called as a .NET app calls them: through the
/// Sesame client, which refreshes the demo's 3 s access tokens by itself (so no step races a token's expiry).
/// </summary>
public sealed class DemoAccountApiTests(DemoFixture fixture)
{
    [Fact]
    public async Task Admin_api_answers_200_for_a_user_who_logged_in_with_the_role_and_403_for_one_without()
    {
        await using var admin = await DemoUser.LogInAsync(fixture, "olivia", asAdmin: true);
        await using var plain = await DemoUser.LogInAsync(fixture, "peggy", asAdmin: false);

        using var allowed = await admin.Api.GetAsync("/api/admin");
        using var refused = await plain.Api.GetAsync("/api/admin");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Verified_api_answers_the_invalid_claim_body_until_the_user_verifies_the_email_then_200()
    {
        await using var user = await DemoUser.LogInAsync(fixture, "rupert", asAdmin: false);

        using var before = await user.Api.GetAsync("/api/verified");
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        var body = await before.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid claim", body.GetProperty("message").GetString());
        var error = Assert.Single(body.GetProperty("claimValidationErrors").EnumerateArray());
        Assert.Equal("email-verified", error.GetProperty("id").GetString());
        var invalid = await user.Session.GetInvalidClaimsFromResponseAsync(before);
        Assert.Equal("email-verified", Assert.Single(invalid).Id);

        using var verify = await user.Api.PostAsync("/api/verify-email", null);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        using var after = await user.Api.GetAsync("/api/verified");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Sessions_lists_the_users_own_sessions_revokes_one_and_refuses_another_users_handle()
    {
        await using var laptop = await DemoUser.LogInAsync(fixture, "sybil", asAdmin: false);
        await using var phone = await DemoUser.LogInAsync(fixture, "sybil", asAdmin: false, userAgent: "DemoPhone/1.0 (Linux; Android 14)");
        await using var stranger = await DemoUser.LogInAsync(fixture, "trent", asAdmin: false);

        var sessions = await laptop.Api.GetFromJsonAsync<JsonElement[]>("/api/sessions");
        Assert.Equal(2, sessions!.Length);
        var phoneRow = Assert.Single(sessions, s => !s.GetProperty("current").GetBoolean());
        var other = phoneRow.GetProperty("handle").GetString()!;

        // The metadata the demo records (Session:RecordClientInfo): the phone has made no call since its login, so its row shows the
        // login's device and address, and it was last seen when it signed in.
        Assert.Equal("a client on Android", phoneRow.GetProperty("device").GetString());
        Assert.Equal("127.0.0.1", phoneRow.GetProperty("ipAddress").GetString());
        Assert.Equal(phoneRow.GetProperty("createdAt").GetDateTimeOffset(), phoneRow.GetProperty("lastSeenAt").GetDateTimeOffset());

        using var foreign = await stranger.Api.PostAsync($"/api/sessions/{other}/revoke", null);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.True(await phone.Session.DoesSessionExistAsync());

        using var revoke = await laptop.Api.PostAsync($"/api/sessions/{other}/revoke", null);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Single((await laptop.Api.GetFromJsonAsync<JsonElement[]>("/api/sessions"))!);
        // The revoked session's tokens are refused at once and its refresh fails: the client reports the session gone.
        using var refused = await phone.Api.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(await phone.Session.DoesSessionExistAsync());
    }

    /// <summary>One signed-in .NET client of the demo: its own service provider, token store and session.</summary>
    private sealed class DemoUser : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;

        private DemoUser(ServiceProvider provider)
        {
            _provider = provider;
            Api = provider.GetRequiredService<IHttpClientFactory>().CreateClient("demo");
            Session = provider.GetRequiredService<ISessionClient>();
        }

        public HttpClient Api { get; }

        public ISessionClient Session { get; }

        public static async Task<DemoUser> LogInAsync(DemoFixture fixture, string userId, bool asAdmin, string? userAgent = null)
        {
            var services = new ServiceCollection();
            services.AddSesameClient(o => o.ApiDomain = fixture.Demo.BaseAddress.GetLeftPart(UriPartial.Authority));
            services.AddHttpClient("demo", c =>
            {
                c.BaseAddress = fixture.Demo.BaseAddress;
                if (userAgent is not null)
                {
                    c.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
                }
            }).AddSessionHandler();
            var user = new DemoUser(services.BuildServiceProvider());
            using var login = await user.Api.PostAsJsonAsync("/login", new { userId, admin = asAdmin });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            return user;
        }

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            await _provider.DisposeAsync();
        }
    }
}
