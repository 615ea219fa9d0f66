using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests.Internal;

/// <summary>The legacy dialect (docs/protocol/legacy.md) on hand-built messages; Sesame.Interop.Legacy.Tests drives it against the real seed-era backend.</summary>
public sealed class LegacyDialectTests
{
    [Fact]
    public void Legacy_login_response_creates_session_keeps_anti_csrf_fires_session_created()
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
    public void Legacy_clearing_response_ends_session_drops_anti_csrf_unauthorised_440()
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
    public void Legacy_anti_csrf_of_an_440_response_is_ignored()
    {
        var dialect = Legacy(out _);
        var events = new List<SessionEvent>();
        using var login = LegacyResponse(HttpStatusCode.OK, "/login", antiCsrf: "csrf-1", irt: "irt-1");
        var tokens = dialect.ApplyResponse(SessionTokens.Empty, login, login.RequestMessage!.RequestUri!, false, false, events);
        using var expired = LegacyResponse((HttpStatusCode)440, "/", antiCsrf: "other", irt: null);
        Assert.Equal("csrf-1", dialect.ApplyResponse(tokens, expired, expired.RequestMessage!.RequestUri!, false, true, events).AntiCsrfToken);
    }

    internal static LegacyDialect Legacy(out FakeTimeProvider time)
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
}
