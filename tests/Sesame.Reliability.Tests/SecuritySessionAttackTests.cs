using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore;
using Sesame.Client;
using Sesame.Reliability.Tests.Infrastructure;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests;

/// <summary>Attacks on whole sessions: stolen refresh tokens, CSRF, cookie tossing, forged front tokens, fixation, cookie flags.</summary>
public sealed class SecuritySessionAttackTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Security_refresh_token_replayed_after_rotation_theft_detected_session_revoked_event_and_log_entry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time);
        await using var victim = TestClient.Create(server, time: time);
        await victim.LoginAsync("alice");
        var stolen = victim.Store.Current.RefreshToken!;
        var handle = (string)Jwt.Payload(victim.Store.Current.AccessToken!)["sessionHandle"]!;

        // The victim's client refreshes (rotation) and uses the new tokens (the child is promoted).
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "alice"), await victim.GetAsync());
        var logsBefore = CapturedLogs.Count;

        // The thief replays the superseded refresh token.
        using var raw = new Raw(server);
        using (var replay = await raw.RefreshAsync(stolen))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
            Assert.Equal("token theft detected", await replay.MessageAsync());
            Assert.Equal("remove", replay.Header("front-token"));
            Assert.Equal("", replay.Header("st-refresh-token"));
        }

        Assert.Equal(1, server.TheftDetectedCount); // the OnTokenTheftDetected event
        Assert.Null(await server.Services.GetRequiredService<ISessionService>().GetSessionInfoAsync(handle));
        var entry = Assert.Single(CapturedLogs.Lines.Skip(logsBefore), l => l.EventId.Name == "TokenTheftDetected");
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains(handle, entry.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(stolen, entry.Text, StringComparison.Ordinal);

        // The victim keeps a working access token until it expires (no database on verification), then the refresh ends the session.
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        using (var ended = await victim.Api.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        }

        Assert.Null(victim.Store.Current.FrontToken);
        Assert.Null(victim.Store.Current.RefreshToken);
        Assert.Contains(SessionEventType.Unauthorised, victim.Events);

        // The thief's own retry gets nothing either.
        using var again = await raw.RefreshAsync(stolen);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    public static TheoryData<AntiCsrfMode, string, int, string> AntiCsrfCases => new()
    {
        { AntiCsrfMode.ViaToken, "post-with-the-right-token", 200, "" },
        { AntiCsrfMode.ViaToken, "post-without-token", 401, "try refresh token" },
        { AntiCsrfMode.ViaToken, "post-with-a-wrong-token", 401, "try refresh token" },
        { AntiCsrfMode.ViaToken, "post-with-two-tokens-one-right", 401, "try refresh token" },
        { AntiCsrfMode.ViaToken, "post-with-another-sessions-token", 401, "try refresh token" },
        { AntiCsrfMode.ViaToken, "refresh-without-token", 401, "unauthorised" },
        { AntiCsrfMode.ViaToken, "refresh-with-a-wrong-token", 401, "unauthorised" },
        { AntiCsrfMode.ViaCustomHeader, "post-with-rid", 200, "" },
        { AntiCsrfMode.ViaCustomHeader, "post-without-rid", 401, "try refresh token" },
        { AntiCsrfMode.ViaCustomHeader, "refresh-without-rid", 401, "unauthorised" },
        // Mode None relies on SameSite cookies alone (the protocol's default for same-site apps): no header is asked for.
        { AntiCsrfMode.None, "post-without-token-or-rid", 200, "" },
    };

    [Theory]
    [MemberData(nameof(AntiCsrfCases))]
    public async Task Security_anti_csrf_missing_or_wrong_in_each_mode_is_refused(AntiCsrfMode mode, string attack, int expected, string message)
    {
        await using var server = await Servers.StartAsync(o => o.AntiCsrf = mode);
        using var raw = new Raw(server);
        using var login = await raw.LoginAsync("alice", cookieMode: true);
        var access = login.SetCookie("sAccessToken")!;
        var refresh = login.SetCookie("sRefreshToken")!;
        var antiCsrf = login.Header("anti-csrf");
        Assert.Equal(mode == AntiCsrfMode.ViaToken, antiCsrf is not null);
        string? otherAntiCsrf = null;
        if (attack == "post-with-another-sessions-token")
        {
            using var other = await raw.LoginAsync("mallory", cookieMode: true);
            otherAntiCsrf = other.Header("anti-csrf");
        }

        using var response = attack switch
        {
            "post-with-the-right-token" => await Post(r => r.Headers.Add("anti-csrf", antiCsrf)),
            "post-without-token" or "post-without-rid" or "post-without-token-or-rid" => await Post(null),
            "post-with-a-wrong-token" => await Post(r => r.Headers.Add("anti-csrf", Guid.NewGuid().ToString())),
            "post-with-two-tokens-one-right" => await Post(r => r.Headers.TryAddWithoutValidation("anti-csrf", [Guid.NewGuid().ToString(), antiCsrf!])),
            "post-with-another-sessions-token" => await Post(r => r.Headers.Add("anti-csrf", otherAntiCsrf)),
            "post-with-rid" => await Post(r => r.Headers.Add("rid", "anti-csrf")),
            "refresh-without-token" => await Refresh(rid: true, antiCsrfValue: null),
            "refresh-with-a-wrong-token" => await Refresh(rid: true, antiCsrfValue: Guid.NewGuid().ToString()),
            "refresh-without-rid" => await Refresh(rid: false, antiCsrfValue: null),
            _ => throw new ArgumentOutOfRangeException(nameof(attack)),
        };

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 200)
        {
            return;
        }

        Assert.Equal(message, await response.MessageAsync());
        if (attack.StartsWith("refresh", StringComparison.Ordinal))
        {
            // A refused refresh clears the cookies and gives no new tokens.
            Assert.Equal("remove", response.Header("front-token"));
            Assert.Equal("", response.SetCookie("sRefreshToken"));
        }
        else
        {
            Assert.Null(response.Header("front-token"));
        }

        async Task<HttpResponseMessage> Post(Action<HttpRequestMessage>? decorate) =>
            await raw.SendAsync(HttpMethod.Post, "/echo", decorate: r =>
            {
                r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + access);
                decorate?.Invoke(r);
            });

        async Task<HttpResponseMessage> Refresh(bool rid, string? antiCsrfValue) =>
            await raw.RefreshAsync(null, r =>
            {
                if (!rid)
                {
                    r.Headers.Remove("rid");
                }

                r.Headers.TryAddWithoutValidation("Cookie", "sRefreshToken=" + refresh);
                if (antiCsrfValue is not null)
                {
                    r.Headers.Add("anti-csrf", antiCsrfValue);
                }
            });
    }

    [Fact]
    public async Task Security_duplicate_refresh_token_cookies_are_refused_without_clearing_tokens_and_a_planted_cookie_never_revokes_the_session()
    {
        await using var server = await Servers.StartAsync();
        using var raw = new Raw(server);
        using var login = await raw.LoginAsync("alice", cookieMode: true);
        var current = login.SetCookie("sRefreshToken")!;

        // A cookie planted from a sibling domain (cookie tossing), before or after the real one, or the real one twice: the Cookie
        // header cannot say which is which, so the refresh uses neither. It answers the reference's deliberate 500 "multiple session
        // cookies" (no OlderCookieDomain configured) and writes no cookie: no forced sign-out, no rotation, no revocation.
        foreach (var cookies in new[] { $"sRefreshToken=planted; sRefreshToken={current}", $"sRefreshToken={current}; sRefreshToken=planted", $"sRefreshToken={current}; sRefreshToken={current}" })
        {
            using var response = await raw.RefreshAsync(null, r => r.Headers.TryAddWithoutValidation("Cookie", cookies));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.StartsWith("The request contains multiple session cookies.", await response.MessageAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Set-Cookie"));
            Assert.False(response.Headers.Contains("front-token"));
        }

        // The real session is untouched: its refresh token still works alone.
        using var alone = await raw.RefreshAsync(null, r => r.Headers.TryAddWithoutValidation("Cookie", "sRefreshToken=" + current));
        Assert.Equal(HttpStatusCode.OK, alone.StatusCode);
        Assert.Equal(0, server.TheftDetectedCount);
    }

    public static TheoryData<string> ForgedFrontTokens => ["forged-admin", "not-base64", "not-json", "wrong-types", "30kb"];

    [Theory]
    [MemberData(nameof(ForgedFrontTokens))]
    public async Task Security_forged_front_token_never_crashes_the_client_nor_changes_who_the_server_sees(string kind)
    {
        await using var server = await Servers.StartAsync();
        await using var client = TestClient.Create(server);
        await client.LoginAsync("alice");
        var accessToken = client.Store.Current.AccessToken;
        var forged = kind switch
        {
            "forged-admin" => Convert.ToBase64String(Encoding.UTF8.GetBytes(
                new JsonObject { ["uid"] = "admin", ["ate"] = DateTimeOffset.UtcNow.AddYears(10).ToUnixTimeMilliseconds(), ["up"] = new JsonObject { ["role"] = "admin" } }.ToJsonString())),
            "not-base64" => "%%%not base64%%%",
            "not-json" => Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"uid\":")),
            "wrong-types" => Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"uid\":5,\"ate\":\"soon\",\"up\":[]}")),
            "30kb" => Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"uid\":\"" + new string('u', 22_000) + "\",\"ate\":1,\"up\":{}}")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        server.Program("/testing", new ProgrammedResponse { Status = 200, Body = "success", Headers = new Dictionary<string, string> { ["front-token"] = forged } });

        using (var response = await client.Api.GetAsync("/testing"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The front token is display data (docs/protocol/wire-format.md#front-token: the server does not sign it); it changes what the client shows
        // at most. The access token is untouched and the server still sees alice.
        Assert.Equal(accessToken, client.Store.Current.AccessToken);
        Assert.Equal((200, "alice"), await client.GetAsync());
        try
        {
            var shown = await client.Session.GetUserIdAsync();
            TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: the client shows user id '{(shown.Length > 20 ? shown[..20] + "…" : shown)}'");
        }
        catch (SessionExpiredException ex)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: GetUserIdAsync threw SessionExpiredException: {ex.Message}");
        }
    }

    public static TheoryData<string> HostileTokenFiles => ["random-bytes", "truncated", "foreign-json", "other-version", "empty", "a-bare-jwt", "wrong-types", "a-directory"];

    [Theory]
    [MemberData(nameof(HostileTokenFiles))]
    public async Task Security_corrupt_truncated_or_foreign_token_file_starts_without_session_401_no_crash_then_login_repairs_it(string kind)
    {
        await using var server = await Servers.StartAsync();
        var folder = Directory.CreateTempSubdirectory("sesame-reliability-files-");
        var file = Path.Combine(folder.FullName, "tokens.json");
        try
        {
            // A real token file first (for "truncated" and "a-bare-jwt").
            await using (var first = TestClient.Create(server, tokenFile: file))
            {
                await first.LoginAsync("alice");
            }

            var good = await File.ReadAllBytesAsync(file);
            var accessToken = System.Text.Json.JsonDocument.Parse(good).RootElement.GetProperty("accessToken").GetString()!;
            File.Delete(file);
            switch (kind)
            {
                case "random-bytes":
                    await File.WriteAllBytesAsync(file, [.. Enumerable.Range(0, 512).Select(i => (byte)((i * 7919) % 251))]);
                    break;
                case "truncated":
                    await File.WriteAllBytesAsync(file, good[..(good.Length / 2)]);
                    break;
                case "foreign-json":
                    await File.WriteAllTextAsync(file, "{\"format\":\"someone.elses.tokens\",\"version\":1,\"accessToken\":\"" + accessToken + "\"}");
                    break;
                case "other-version":
                    await File.WriteAllTextAsync(file, Encoding.UTF8.GetString(good).Replace("\"version\": 1", "\"version\": 99", StringComparison.Ordinal));
                    break;
                case "empty":
                    await File.WriteAllBytesAsync(file, []);
                    break;
                case "a-bare-jwt":
                    await File.WriteAllTextAsync(file, accessToken);
                    break;
                case "wrong-types":
                    await File.WriteAllTextAsync(file, "{\"format\":\"sesame.client.tokens\",\"version\":1,\"accessToken\":5,\"cookies\":[{\"name\":1}]}");
                    break;
                case "a-directory":
                    Directory.CreateDirectory(file);
                    break;
            }

            var logsBefore = CapturedLogs.Count;
            await using (var client = TestClient.Create(server, tokenFile: file))
            {
                Assert.Null(client.Store.Current.AccessToken);
                if (kind == "a-directory")
                {
                    // Read as "no session"; the first write (the probe's "no session" stamp) cannot replace a directory: the call fails
                    // with an I/O error naming the path, a configuration error the caller can see, and nothing is sent with stale tokens.
                    var error = await Assert.ThrowsAnyAsync<IOException>(() => client.Api.GetAsync("/"));
                    Assert.Contains(file, error.Message, StringComparison.Ordinal);
                    return;
                }

                using (var response = await client.Api.GetAsync("/"))
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                }

                var warning = Assert.Single(CapturedLogs.Lines.Skip(logsBefore), l => l.EventId.Name == "TokenFileUnreadable");
                Assert.Equal(LogLevel.Warning, warning.Level);
                Assert.DoesNotContain(accessToken, warning.Text, StringComparison.Ordinal);

                await client.LoginAsync("alice");
                Assert.Equal((200, "alice"), await client.GetAsync());
            }

            using var reread = new FileTokenStore(file);
            Assert.NotNull(reread.Current.AccessToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Security_new_login_replaces_the_session_tokens_sent_with_the_login_do_not_survive(bool cookieMode)
    {
        await using var server = await Servers.StartAsync();
        using var raw = new Raw(server);
        var sessions = server.Services.GetRequiredService<ISessionService>();

        // Tokens of an earlier session (an attacker's, planted in the victim's client, or the previous user's) ride along with a login.
        var planted = await raw.LoginHeaderAsync("mallory");
        using var plantedCookies = await raw.LoginAsync("mallory", cookieMode: true);
        var plantedCookieAccess = plantedCookies.SetCookie("sAccessToken")!;
        using var login = await raw.LoginAsync("alice", cookieMode, r =>
        {
            r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + planted.AccessToken);
            r.Headers.TryAddWithoutValidation("Cookie", $"sAccessToken={plantedCookieAccess}; sRefreshToken={planted.RefreshToken}");
        });
        login.EnsureSuccessStatusCode();

        var newAccess = cookieMode ? login.SetCookie("sAccessToken")! : login.Header("st-access-token")!;
        var newRefresh = cookieMode ? login.SetCookie("sRefreshToken")! : login.Header("st-refresh-token")!;
        Assert.NotEqual(planted.AccessToken, newAccess);
        Assert.NotEqual(planted.RefreshToken, newRefresh);
        var newHandle = (string)Jwt.Payload(newAccess)["sessionHandle"]!;
        Assert.NotEqual((string)Jwt.Payload(planted.AccessToken)["sessionHandle"]!, newHandle);
        Assert.Equal("alice", (await sessions.GetSessionInfoAsync(newHandle))!.UserId);

        // The login answer overwrites what the client holds in the method it asked for, and clears the other method's planted tokens.
        if (cookieMode)
        {
            Assert.Equal("", login.Header("st-access-token"));
            Assert.Equal("", login.Header("st-refresh-token"));
        }
        else
        {
            Assert.Contains(login.SetCookies(), c => c.StartsWith("sAccessToken=;", StringComparison.Ordinal));
        }

        // The planted tokens give the attacker nothing of alice's session: they still name mallory's own session, never alice's.
        using (var asPlanted = await raw.GetAsync("/", planted.AccessToken))
        {
            Assert.Equal("mallory", await asPlanted.Content.ReadAsStringAsync());
        }

        using var plantedRefresh = await raw.RefreshAsync(planted.RefreshToken);
        Assert.NotEqual(newHandle, (string)Jwt.Payload(plantedRefresh.Header("st-access-token")!)["sessionHandle"]!);
    }

    public static TheoryData<bool, Microsoft.AspNetCore.Http.SameSiteMode> CookieFlagCases => new()
    {
        { false, Microsoft.AspNetCore.Http.SameSiteMode.Lax },
        { true, Microsoft.AspNetCore.Http.SameSiteMode.Lax },
        { true, Microsoft.AspNetCore.Http.SameSiteMode.Strict },
        { true, Microsoft.AspNetCore.Http.SameSiteMode.None },
    };

    [Theory]
    [MemberData(nameof(CookieFlagCases))]
    public async Task Security_session_cookies_are_http_only_secure_and_same_site_as_configured_on_login_and_refresh(bool secure, Microsoft.AspNetCore.Http.SameSiteMode sameSite)
    {
        await using var server = await Servers.StartAsync(o =>
        {
            o.CookieSecure = secure;
            o.CookieSameSite = sameSite;
        });
        using var raw = new Raw(server);
        using var login = await raw.LoginAsync("alice", cookieMode: true);
        var refreshToken = login.SetCookie("sRefreshToken")!;
        using var refresh = await raw.RefreshAsync(null, r => r.Headers.TryAddWithoutValidation("Cookie", "sRefreshToken=" + refreshToken));
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);

        foreach (var response in new[] { login, refresh })
        {
            var cookies = response.SetCookies().Where(c => c.StartsWith("sAccessToken=", StringComparison.Ordinal) || c.StartsWith("sRefreshToken=", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, cookies.Count);
            foreach (var cookie in cookies)
            {
                var attributes = cookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
                Assert.Contains("httponly", attributes);
                Assert.Equal(secure, attributes.Contains("secure"));
                Assert.Contains("samesite=" + sameSite.ToString().ToLowerInvariant(), attributes);
            }

            // Only the refresh endpoint ever receives the refresh token.
            Assert.Contains(cookies, c => c.StartsWith("sRefreshToken=", StringComparison.Ordinal) && c.Contains("path=/auth/session/refresh", StringComparison.OrdinalIgnoreCase));
        }
    }
}
