using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests;

/// <summary>Pure rules: option normalisation and validation, the scope matrix (docs/protocol/refresh.md#interception-scope), the cookie jar, and the legacy dialect (docs/protocol/legacy.md) on
/// hand-built messages (the legacy helper drives it against the real seed-era backend).</summary>
public sealed class UnitTests
{
    [Theory]
    [InlineData("example.com", "/", "https://example.com/session/refresh")]
    [InlineData("example.com", "/some/path/", "https://example.com/some/path/session/refresh")]
    [InlineData("localhost", null, "http://localhost/auth/session/refresh")]
    [InlineData("localhost:9000", null, "http://localhost:9000/auth/session/refresh")]
    [InlineData("https://localhost:9000", null, "https://localhost:9000/auth/session/refresh")]
    [InlineData("127.0.0.1:5000", null, "http://127.0.0.1:5000/auth/session/refresh")]
    [InlineData("https://api.example.com/ignored/path", "auth", "https://api.example.com/auth/session/refresh")]
    public void A8_ApiDomainAndBasePath_AreNormalised(string domain, string? basePath, string refresh)
    {
        var options = new SesameClientOptions { ApiDomain = domain };
        if (basePath is not null)
        {
            options.ApiBasePath = basePath;
        }

        Assert.Equal(refresh, SessionEndpoints.Resolve(options).RefreshUri.ToString());
    }

    [Fact]
    public void A8_Defaults_And402Kept()
    {
        var options = new SesameClientOptions { ApiDomain = "example.com", SessionExpiredStatusCode = 402 };
        Assert.Equal("/auth", options.ApiBasePath);
        Assert.Equal(TokenTransferMethod.Header, options.TokenTransferMethod);
        Assert.Equal(10, options.MaxRetryAttemptsForSessionRefresh);
        Assert.True(new SesameClientOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("https://example.com/auth/signout", SessionEndpoints.Resolve(options).SignOutUri!.ToString());
    }

    [Fact]
    public void Validation_CollectsEveryError()
    {
        var result = new SesameClientOptionsValidator().Validate(null, new SesameClientOptions
        {
            SessionExpiredStatusCode = 403,
            MaxRetryAttemptsForSessionRefresh = -1,
            Protocol = SessionProtocol.Legacy,
        });

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("cannot be equal", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxRetryAttemptsForSessionRefresh", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("RefreshTokenUrl is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ApiDomain is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_ReportsTheAttributeRulesWithTheOthers()
    {
        var result = new SesameClientOptionsValidator().Validate(null, new SesameClientOptions
        {
            ApiDomain = "https://api.example.com",
            ApiBasePath = null!,
            SessionExpiredStatusCode = 42,
            InterceptionScope = (InterceptionScopeRule)99,
            RefreshLockWaitTimeout = TimeSpan.Zero,
        });

        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("ApiBasePath cannot be null", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("SessionExpiredStatusCode must be an HTTP status (100-599)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("InterceptionScope must be one of", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("RefreshLockWaitTimeout must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_RunsWhenTheClientIsResolved()
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "/relative/only");
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<RefreshCoordinator>());
        Assert.Contains("is not a valid domain", error.Message);
    }

    [Fact]
    public void Builder_UseFileTokenStore_BringsTheCrossProcessLock()
    {
        var path = Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N"), "tokens.json");
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "example.com").UseFileTokenStore(path);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<FileTokenStore>(provider.GetRequiredService<ITokenStore>());
        Assert.IsType<FileRefreshLock>(provider.GetRequiredService<IRefreshLock>());
        Assert.IsType<InProcessRefreshLock>(new ServiceCollection().AddSesameClient(o => o.ApiDomain = "x.com").Services.BuildServiceProvider().GetRequiredService<IRefreshLock>());
    }

    [Theory]
    [InlineData("https://api.example.com/x", "https://api.example.com", null, true)]
    [InlineData("https://api.example.com:8080/x", "https://api.example.com", null, true)] // port ignored (the default rule)
    [InlineData("http://api.example.com:8080/x", "https://api.example.com", null, false)] // never in clear from an https API (ScopeSecurityTests)
    [InlineData("https://other.com/x", "https://api.example.com", null, false)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", "example.com", true)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", ".example.com", true)]
    [InlineData("https://sub.api.example.com/x", "https://api.example.com", ".com", true)]
    [InlineData("https://example.com/x", "https://api.example.com", "sub.example.com", false)] // deeper than the URL host
    [InlineData("http://localhost.org/x", "http://127.0.0.1", "localhost", false)]
    [InlineData("http://localhost:3000/x", "http://127.0.0.1", "localhost:9999", true)]
    [InlineData("https://api.example.com/x#superTokensDoNotDoInterception", "https://api.example.com", null, false)]
    public void L_InterceptionScope_Matrix(string url, string apiDomain, string? backendDomain, bool expected)
    {
        var options = new SesameClientOptions { ApiDomain = apiDomain, SessionTokenBackendDomain = backendDomain };
        var dialect = new CurrentDialect(options, SessionEndpoints.Resolve(options), TimeProvider.System);
        Assert.Equal(expected, dialect.IsInScope(new Uri(url)));
    }

    [Theory]
    [InlineData("http://localhost:8888/api", true)]
    [InlineData("http://localhost:8889/api", false)]
    [InlineData("https://localhost:8888/api", false)]
    [InlineData("http://127.0.0.1:8888/api", false)]
    public void Legacy_Scope_IsTheRefreshUrlsOrigin(string url, bool expected)
    {
        var dialect = Legacy(out _);
        Assert.Equal(expected, dialect.IsInScope(new Uri(url)));
    }

    [Fact]
    public void CookieJar_RespectsDomainPathExpiryAndReplacement()
    {
        var now = DateTimeOffset.UtcNow;
        var jar = CookieJar.Apply([], new Uri("http://api.example.com/auth/login"), Values(
            "a=1; Path=/; HttpOnly",
            "r=2; Path=/auth/session/refresh",
            "d=3; Domain=.example.com; Path=/",
            "x=4; Domain=other.com",
            "gone=5; Max-Age=0",
            "rel=6"), now);

        Assert.Equal("a=1; d=3", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/"), now));
        Assert.Equal("r=2; rel=6; a=1; d=3", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/auth/session/refresh"), now));
        Assert.Equal("d=3", CookieJar.BuildHeader(jar, new Uri("http://www.example.com/"), now));
        Assert.Contains(jar, c => c.Name == "rel" && c.Path == "/auth");

        jar = CookieJar.Apply(jar, new Uri("http://api.example.com/"), Values("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", "d=9; Domain=example.com; Path=/"), now);
        Assert.Equal("d=9", CookieJar.BuildHeader(jar, new Uri("http://api.example.com/"), now));
        Assert.Null(CookieJar.BuildHeader(CookieJar.Apply([], new Uri("http://h/"), Values("s=1; Expires=" + now.AddSeconds(5).ToString("r")), now), new Uri("http://h/"), now.AddSeconds(6)));
    }

    [Theory]
    [InlineData("front-token", true)]
    [InlineData("St-Access-Token", true)]
    [InlineData("st-refresh-token", true)]
    [InlineData("Anti-CSRF", true)]
    [InlineData("Set-Cookie", true)]
    [InlineData("st-auth-mode", false)]
    [InlineData("Server", false)]
    [InlineData(null, false)]
    public void CurrentDialect_MayChangeSession_OnlyForSessionHeaders(string? name, bool expected)
    {
        var options = new SesameClientOptions { ApiDomain = "https://api.example.com" };
        var dialect = new CurrentDialect(options, SessionEndpoints.Resolve(options), TimeProvider.System);
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
        if (name is not null)
        {
            response.Headers.TryAddWithoutValidation(name, "value");
        }

        Assert.Equal(expected, dialect.MayChangeSession(response));
    }

    [Fact]
    public void CookieJar_HeaderOfASnapshot_IsReusedForTheSameCookies_AndRebuiltWhenTheMatchChanges()
    {
        var now = DateTimeOffset.UtcNow;
        var tokens = new SessionTokens
        {
            Cookies = CookieJar.Apply([], new Uri("http://api.example.com/auth/login"), Values(
                "a=1; Path=/", "r=2; Path=/auth/session/refresh", "s=3; Path=/; Expires=" + now.AddSeconds(5).ToString("r")), now),
        };

        var first = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/orders"), now);
        var second = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/items?x=1"), now);
        var refresh = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/auth/session/refresh"), now);
        var afterExpiry = CookieJar.BuildHeader(tokens, new Uri("http://api.example.com/orders"), now.AddSeconds(6));

        Assert.Equal("a=1; s=3", first);
        Assert.Same(first, second);
        Assert.Equal("r=2; a=1; s=3", refresh);
        Assert.Equal("a=1", afterExpiry);
        Assert.Null(CookieJar.BuildHeader(tokens, new Uri("http://other.example.org/"), now));
        Assert.Null((tokens with { AccessToken = "x" }).CookieHeaderCache);
    }

    [Fact]
    public void CookieJar_DomainLocalhostFromLoopbackIp_KeptAsHostOnly()
    {
        var now = DateTimeOffset.UtcNow;
        var jar = CookieJar.Apply([], new Uri("http://127.0.0.1:8888/login"), Values("sIdRefreshToken=abc; Domain=localhost; Path=/"), now);
        var cookie = Assert.Single(jar);
        Assert.True(cookie.HostOnly);
        Assert.Equal("127.0.0.1", cookie.Domain);
    }

    [Fact]
    public void Legacy_LoginResponse_CreatesSession_KeepsAntiCsrf_FiresSessionCreated()
    {
        var dialect = Legacy(out var time);
        var events = new List<SessionEvent>();
        using var login = LegacyResponse(HttpStatusCode.OK, "/login", antiCsrf: "csrf-1", irt: "irt-1");

        var tokens = dialect.ApplyResponse(SessionTokens.Empty, login, login.RequestMessage!.RequestUri!, isRefreshResponse: false, wasLoggedIn: false, events);

        Assert.Equal(LocalSessionState.Exists, dialect.GetState(tokens));
        Assert.Equal("csrf-1", tokens.AntiCsrfToken);
        Assert.Equal([SessionEventType.SessionCreated], events.Select(e => e.Type));

        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost:8888/api");
        dialect.DecorateRequest(request, tokens, dialect.CaptureUserHeaders(request, tokens), isRetry: false);
        Assert.Equal("csrf-1", request.Headers.GetValues("anti-csrf").Single());
        Assert.Contains("sIdRefreshToken=irt-1", request.Headers.GetValues("Cookie").Single());
        Assert.Contains("sAccessToken=at", request.Headers.GetValues("Cookie").Single());
        Assert.False(request.Headers.Contains("rid"));
        Assert.False(request.Headers.Contains("st-auth-mode"));

        using var refresh = dialect.CreateRefreshRequest(tokens);
        Assert.Equal(HttpMethod.Post, refresh.Method);
        Assert.False(refresh.Headers.Contains("anti-csrf"));
        Assert.Contains("sRefreshToken=rt", refresh.Headers.GetValues("Cookie").Single());
        Assert.Null(refresh.Content);
        _ = time;
    }

    [Fact]
    public void Legacy_ClearingResponse_EndsSession_DropsAntiCsrf_Unauthorised440()
    {
        var dialect = Legacy(out _);
        var events = new List<SessionEvent>();
        using var login = LegacyResponse(HttpStatusCode.OK, "/login", antiCsrf: "csrf-1", irt: "irt-1");
        var tokens = dialect.ApplyResponse(SessionTokens.Empty, login, login.RequestMessage!.RequestUri!, false, false, events);
        events.Clear();

        using var cleared = LegacyResponse((HttpStatusCode)440, "/refresh", antiCsrf: null, irt: null, clear: true);
        var after = dialect.ApplyResponse(tokens, cleared, cleared.RequestMessage!.RequestUri!, isRefreshResponse: true, wasLoggedIn: true, events);

        Assert.Equal(LocalSessionState.NotExists, dialect.GetState(after));
        Assert.Null(after.AntiCsrfToken);
        Assert.False(dialect.SameKey(tokens, after));
        Assert.Equal("Unauthorised(sessionExpiredOrRevoked: True)", Assert.Single(events).ToString());
        Assert.False(dialect.ReturnsRefreshResponseWhenSessionEnds);
        Assert.True(dialect.IsRefreshSuccess(LegacyResponse(HttpStatusCode.OK, "/refresh", "c", "i")));
        Assert.False(dialect.IsRefreshSuccess(LegacyResponse(HttpStatusCode.NoContent, "/refresh", "c", "i")));
    }

    [Fact]
    public void Legacy_AntiCsrfOfAn440Response_IsIgnored()
    {
        var dialect = Legacy(out _);
        var events = new List<SessionEvent>();
        using var login = LegacyResponse(HttpStatusCode.OK, "/login", antiCsrf: "csrf-1", irt: "irt-1");
        var tokens = dialect.ApplyResponse(SessionTokens.Empty, login, login.RequestMessage!.RequestUri!, false, false, events);
        using var expired = LegacyResponse((HttpStatusCode)440, "/", antiCsrf: "other", irt: null);
        Assert.Equal("csrf-1", dialect.ApplyResponse(tokens, expired, expired.RequestMessage!.RequestUri!, false, true, events).AntiCsrfToken);
    }

    [Fact]
    public void FrontToken_DecodesUserIdExpiryAndPayload()
    {
        var token = FrontToken.TryParse(Base64("""{"uid":"user-1","ate":1700000000123,"up":{"sub":"user-1","role":["a","b"]}}"""));

        Assert.NotNull(token);
        Assert.Equal("user-1", token.UserId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123), token.AccessTokenExpiresAt);
        Assert.Equal(2, token.Payload.GetProperty("role").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"uid":"u","ate":1}""")]
    [InlineData("""{"uid":"u","ate":1,"up":"not an object"}""")]
    public void FrontToken_WithoutAnObjectPayload_HasAnEmptyObject(string json)
    {
        var token = FrontToken.TryParse(Base64(json));

        Assert.NotNull(token);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, token.Payload.ValueKind);
        Assert.Empty(token.Payload.EnumerateObject());
    }

    [Fact]
    public void FrontToken_AbsurdExpiry_SaturatesInsteadOfThrowing()
    {
        Assert.Equal(DateTimeOffset.MaxValue, FrontToken.TryParse(Base64("""{"uid":"u","ate":1e300}"""))!.AccessTokenExpiresAt);
        Assert.Equal(DateTimeOffset.MinValue, FrontToken.TryParse(Base64("""{"uid":"u","ate":-1e300}"""))!.AccessTokenExpiresAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("not base64!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("WzFd")] // [1]
    [InlineData("eyJ1aWQiOjEsImF0ZSI6MX0=")] // {"uid":1,"ate":1}
    [InlineData("eyJ1aWQiOiJ1In0=")] // {"uid":"u"}
    public void FrontToken_Unreadable_IsNull(string? value) => Assert.Null(FrontToken.TryParse(value));

    [Fact]
    public void SessionTokens_DecodeTheFrontTokenOncePerSnapshot()
    {
        var tokens = new SessionTokens { FrontToken = Base64("""{"uid":"u","ate":1,"up":{}}""") };

        Assert.Same(tokens.DecodedFrontToken, tokens.DecodedFrontToken);
        Assert.Null((tokens with { FrontToken = "garbage" }).DecodedFrontToken);
    }

    private static string Base64(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json));

    private static LegacyDialect Legacy(out FakeTimeProvider time)
    {
        time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new SesameClientOptions { Protocol = SessionProtocol.Legacy, RefreshTokenUrl = "http://localhost:8888/refresh", SessionExpiredStatusCode = 440 };
        return new LegacyDialect(options, SessionEndpoints.Resolve(options), time);
    }

    private static HttpResponseMessage LegacyResponse(HttpStatusCode status, string path, string? antiCsrf, string? irt, bool clear = false)
    {
        var response = new HttpResponseMessage(status) { RequestMessage = new HttpRequestMessage(HttpMethod.Post, "http://localhost:8888" + path) };
        var expires = DateTimeOffset.UtcNow.AddDays(100).ToString("r");
        if (irt is not null)
        {
            response.Headers.TryAddWithoutValidation("Set-Cookie", $"sAccessToken=at; Domain=localhost; Path=/; Expires={expires}; HttpOnly; SameSite=Lax");
            response.Headers.TryAddWithoutValidation("Set-Cookie", $"sRefreshToken=rt; Domain=localhost; Path=/refresh; Expires={expires}; HttpOnly; SameSite=Lax");
            response.Headers.TryAddWithoutValidation("Set-Cookie", $"sIdRefreshToken={irt}; Domain=localhost; Path=/; Expires={expires}; SameSite=Lax");
            response.Headers.TryAddWithoutValidation("id-refresh-token", irt + ";1804080411253");
        }

        if (clear)
        {
            foreach (var (name, cookiePath) in new[] { ("sAccessToken", "/"), ("sRefreshToken", "/refresh"), ("sIdRefreshToken", "/") })
            {
                response.Headers.TryAddWithoutValidation("Set-Cookie", $"{name}=; Domain=localhost; Path={cookiePath}; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
            }

            response.Headers.TryAddWithoutValidation("id-refresh-token", "remove");
        }

        if (antiCsrf is not null)
        {
            response.Headers.TryAddWithoutValidation("anti-csrf", antiCsrf);
        }

        return response;
    }

    private static HeaderStringValues Values(params string[] setCookies)
    {
        using var response = new HttpResponseMessage();
        foreach (var value in setCookies)
        {
            response.Headers.TryAddWithoutValidation("Set-Cookie", value);
        }

        response.Headers.NonValidated.TryGetValues("Set-Cookie", out var values);
        return values;
    }
}
