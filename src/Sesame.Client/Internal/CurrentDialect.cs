using System.Net.Http.Headers;

namespace Sesame.Client.Internal;

/// <summary>The current protocol (docs/protocol/refresh.md, docs/protocol/wire-format.md): front token, <c>st-auth-mode</c>, header or cookie transfer, probe refresh.</summary>
internal sealed class CurrentDialect(SesameClientOptions options, SessionEndpoints endpoints, TimeProvider time) : ISessionDialect
{
    // The marked instances (HandledMark): every request this dialect decorates, and every refresh request, carries the mark while it is sent.
    private readonly string _authMode = options.TokenTransferMethod == TokenTransferMethod.Cookie ? HandledMark.CookieMode : HandledMark.HeaderMode;
    private readonly string _apiHost = endpoints.ApiDomain.IdnHost;
    private readonly Func<Uri, bool>? _override = options.ShouldIntercept;
    private readonly InterceptionScopeRule _rule = options.InterceptionScope;
    private readonly string _apiScheme = endpoints.ApiDomain.Scheme;
    private readonly int _apiPort = endpoints.ApiDomain.Port;

    public SessionEndpoints Endpoints => endpoints;

    public int SessionExpiredStatusCode { get; } = options.SessionExpiredStatusCode;

    public bool ExplicitCallsAlwaysHandled => false;

    public bool KnowsAccessTokenExpiry => true;

    public bool ReturnsRefreshResponseWhenSessionEnds => true;

    public bool IsInScope(Uri uri)
    {
        if (_override is not null)
        {
            return _override(uri);
        }

        if (uri.OriginalString.Contains(HeaderNames.DoNotIntercept, StringComparison.Ordinal))
        {
            return false;
        }

        var host = uri.IdnHost;
        if (!string.Equals(host, _apiHost, StringComparison.OrdinalIgnoreCase)
            && !(endpoints.SessionScope is { } scope && UrlNormalizer.MatchesDomainOrSubdomain(host, scope)))
        {
            return false;
        }

        // The reference compares host names only; by default the session never travels in clear from an https API, and the strict rule
        // also keeps it from other services on other ports of the same host.
        return _rule switch
        {
            InterceptionScopeRule.ReferenceHost => true,
            InterceptionScopeRule.StrictOrigin => string.Equals(uri.Scheme, _apiScheme, StringComparison.OrdinalIgnoreCase) && uri.Port == _apiPort,
            _ => !string.Equals(_apiScheme, Uri.UriSchemeHttps, StringComparison.Ordinal) || string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase),
        };
    }

    public bool IsHandled(HttpRequestMessage request) => HandledMark.IsOnAuthMode(request);

    public void ReleaseHandled(HttpRequestMessage request) => HandledMark.TakeOffAuthMode(request);

    public LocalSessionState GetState(SessionTokens tokens) =>
        tokens.LastAccessTokenUpdate is null ? LocalSessionState.MayExist
        : tokens.FrontToken is null ? LocalSessionState.NotExists
        : LocalSessionState.Exists;

    public bool SameKey(SessionTokens a, SessionTokens b) => a.LastAccessTokenUpdate == b.LastAccessTokenUpdate;

    public UserHeaders CaptureUserHeaders(HttpRequestMessage request, SessionTokens tokens)
    {
        var headers = request.Headers.NonValidated;
        if (headers.Count == 0)
        {
            // The usual request: no header of its own, nothing to look up.
            return default;
        }

        var rid = headers.TryGetValues(HeaderNames.Rid, out var r) ? r.ToString() : null;
        var antiCsrf = headers.TryGetValues(HeaderNames.AntiCsrf, out var a) ? a.ToString() : null;
        var cookie = headers.TryGetValues(HeaderNames.Cookie, out var c) ? c.ToString() : null;
        string? authorization = null;
        if (headers.TryGetValues(HeaderNames.Authorization, out var auth))
        {
            authorization = auth.ToString();

            // A caller's "Bearer <our stored access token>" is our own token copied by the caller; drop it so retries carry the
            // fresh one. Only when both tokens are stored (otherwise it is the caller's own token that happens to match).
            if (tokens.RefreshToken is not null && tokens.BearerAccessToken is { } ours && string.Equals(authorization, ours, StringComparison.Ordinal))
            {
                request.Headers.Remove(HeaderNames.Authorization);
                authorization = null;
            }
        }

        return new UserHeaders(rid, authorization, antiCsrf, cookie);
    }

    public void DecorateRequest(HttpRequestMessage request, SessionTokens tokens, in UserHeaders user, bool isRetry)
    {
        var headers = request.Headers;
        var hadHeaders = headers.NonValidated.Count != 0;
        if (isRetry)
        {
            // A clone carries the previous attempt's headers: start again from the caller's values.
            headers.Remove(HeaderNames.Rid);
            headers.Remove(HeaderNames.AntiCsrf);
            headers.Remove(HeaderNames.Authorization);
            headers.Remove(HeaderNames.Cookie);
        }
        else if (user.Any)
        {
            if (user.AntiCsrf is not null)
            {
                headers.Remove(HeaderNames.AntiCsrf);
            }

            if (user.Cookie is not null)
            {
                headers.Remove(HeaderNames.Cookie);
            }
        }

        // rid "anti-csrf" unless the caller set one (the caller's wins).
        if (isRetry || user.Rid is null)
        {
            headers.TryAddWithoutValidation(HeaderNames.Rid, user.Rid ?? HeaderNames.RidAntiCsrf);
        }

        // Also the handled mark (HandledMark); a caller's own value is replaced, as the protocol wants ours.
        if (hadHeaders)
        {
            headers.Remove(HeaderNames.AuthMode);
        }

        headers.TryAddWithoutValidation(HeaderNames.AuthMode, _authMode);

        var antiCsrf = tokens.AntiCsrfToken is not null && GetState(tokens) == LocalSessionState.Exists ? tokens.AntiCsrfToken : user.AntiCsrf;
        if (antiCsrf is not null)
        {
            headers.TryAddWithoutValidation(HeaderNames.AntiCsrf, antiCsrf);
        }

        if (user.Authorization is not null)
        {
            if (isRetry)
            {
                headers.TryAddWithoutValidation(HeaderNames.Authorization, user.Authorization);
            }
        }
        else if (tokens.RefreshToken is not null && tokens.BearerAccessToken is { } bearer)
        {
            headers.TryAddWithoutValidation(HeaderNames.Authorization, bearer);
        }

        AddCookies(request, tokens, user.Cookie);
    }

    public bool MayChangeSession(HttpResponseMessage response)
    {
        // Look-ups by name, not one pass over the headers: enumerating builds each value's string, which allocates for a header an inner
        // handler has already parsed.
        var headers = response.Headers.NonValidated;
        return headers.Count != 0 && (headers.Contains(HeaderNames.FrontToken) || headers.Contains(HeaderNames.AccessToken) || headers.Contains(HeaderNames.RefreshToken)
            || headers.Contains(HeaderNames.AntiCsrf) || headers.Contains(HeaderNames.SetCookie));
    }

    public SessionTokens ApplyResponse(SessionTokens current, HttpResponseMessage response, Uri requestUri, bool isRefreshResponse, bool wasLoggedIn, List<SessionEvent> events)
    {
        var headers = response.Headers.NonValidated;
        var next = current;
        var changed = false;

        if (headers.TryGetValues(HeaderNames.RefreshToken, out var rt))
        {
            var value = rt.ToString();
            next = next with { RefreshToken = value.Length == 0 ? null : value };
            changed = true;
        }

        if (headers.TryGetValues(HeaderNames.AccessToken, out var at))
        {
            var value = at.ToString();
            next = next with { AccessToken = value.Length == 0 ? null : value };
            changed = true;
        }

        string? frontToken = headers.TryGetValues(HeaderNames.FrontToken, out var ft) ? ft.ToString() : null;

        // A refresh answered "expired" without a front-token still means the session is gone.
        if (frontToken is null && isRefreshResponse && (int)response.StatusCode == SessionExpiredStatusCode)
        {
            frontToken = HeaderNames.Remove;
        }

        if (frontToken is not null)
        {
            // The stamp is written first, then "remove" drops the front token and every token with it.
            var stamp = NextStamp(current.LastAccessTokenUpdate);
            if (frontToken == HeaderNames.Remove)
            {
                next = new SessionTokens { LastAccessTokenUpdate = stamp, Cookies = next.Cookies };
            }
            else
            {
                next = next with { FrontToken = frontToken, LastAccessTokenUpdate = stamp };
                // The same front token again (every re-sent call of a storm is answered with the one promoted token) cannot change the
                // payload: skip decoding both.
                if (current.FrontToken is not null && !string.Equals(current.FrontToken, frontToken, StringComparison.Ordinal)
                    && !string.Equals(current.DecodedFrontToken?.PayloadJson, next.DecodedFrontToken?.PayloadJson, StringComparison.Ordinal))
                {
                    events.Add(SessionEvent.PayloadUpdated);
                }
            }

            changed = true;
        }

        if (headers.TryGetValues(HeaderNames.AntiCsrf, out var csrf) && GetState(next) == LocalSessionState.Exists)
        {
            next = next with { AntiCsrfToken = csrf.ToString() };
            changed = true;
        }

        if (headers.TryGetValues(HeaderNames.SetCookie, out var setCookies))
        {
            var jar = CookieJar.Apply(next.Cookies, requestUri, setCookies, time.GetUtcNow());
            if (jar != next.Cookies)
            {
                next = next with { Cookies = jar };
                changed = true;
            }
        }

        if (frontToken is not null)
        {
            if (frontToken == HeaderNames.Remove)
            {
                if (wasLoggedIn)
                {
                    events.Add((int)response.StatusCode == SessionExpiredStatusCode ? SessionEvent.UnauthorisedExpired : SessionEvent.SignedOut);
                }
            }
            else if (!wasLoggedIn)
            {
                events.Add(SessionEvent.Created);
            }
        }

        return changed ? next : current;
    }

    public HttpRequestMessage CreateRefreshRequest(SessionTokens tokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoints.RefreshUri);
        var headers = request.Headers;
        headers.TryAddWithoutValidation(HeaderNames.Rid, HeaderNames.RidSession);
        headers.TryAddWithoutValidation(HeaderNames.FdiVersion, HeaderNames.FdiVersions);
        headers.TryAddWithoutValidation(HeaderNames.AuthMode, _authMode);
        if (tokens.AntiCsrfToken is not null && GetState(tokens) == LocalSessionState.Exists)
        {
            headers.TryAddWithoutValidation(HeaderNames.AntiCsrf, tokens.AntiCsrfToken);
        }

        // Send the refresh token even when no access token is stored.
        if (tokens.RefreshToken is not null)
        {
            headers.TryAddWithoutValidation(HeaderNames.Authorization, "Bearer " + tokens.RefreshToken);
        }

        AddCookies(request, tokens, userCookie: null);
        return request;
    }

    public bool IsRefreshSuccess(HttpResponseMessage response) => (int)response.StatusCode is >= 200 and < 300;

    public bool IsIncompleteRefreshSuccess(HttpResponseMessage response) =>
        IsRefreshSuccess(response) && !response.Headers.NonValidated.Contains(HeaderNames.FrontToken);

    private void AddCookies(HttpRequestMessage request, SessionTokens tokens, string? userCookie)
    {
        if (tokens.Cookies.IsDefaultOrEmpty)
        {
            if (userCookie is not null)
            {
                request.Headers.TryAddWithoutValidation(HeaderNames.Cookie, userCookie);
            }

            return;
        }

        var jar = CookieJar.BuildHeader(tokens, request.RequestUri!, time.GetUtcNow());
        var value = jar is null ? userCookie : userCookie is null ? jar : userCookie + "; " + jar;
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Cookie, value);
        }
    }

    /// <summary>A strictly increasing stamp: wall-clock milliseconds, or one more than the previous stamp when the clock did not move
    /// (a frozen test clock, two updates in one millisecond) so the identity check never confuses two versions.</summary>
    private long NextStamp(long? previous)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return previous is { } p && p >= now ? p + 1 : now;
    }
}
