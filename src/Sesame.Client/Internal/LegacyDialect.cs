namespace Sesame.Client.Internal;

/// <summary>
/// The seed-era protocol (docs/protocol/legacy.md): cookies only; the session exists while the jar holds
/// <c>sIdRefreshToken</c> for the refresh URL's origin; the <c>anti-csrf</c> header of responses is kept and sent back while that cookie lives;
/// the refresh is a bare <c>POST refreshTokenUrl</c> with the cookies.
/// </summary>
internal sealed class LegacyDialect(SesameClientOptions options, SessionEndpoints endpoints, TimeProvider time) : ISessionDialect
{
    private readonly Uri _origin = new(endpoints.RefreshUri.GetLeftPart(UriPartial.Authority) + "/", UriKind.Absolute);
    private readonly Func<Uri, bool>? _override = options.ShouldIntercept;

    public SessionEndpoints Endpoints => endpoints;

    public int SessionExpiredStatusCode { get; } = options.SessionExpiredStatusCode;

    public bool ExplicitCallsAlwaysHandled => true;

    public bool KnowsAccessTokenExpiry => false;

    public bool ReturnsRefreshResponseWhenSessionEnds => false;

    public bool IsInScope(Uri uri)
    {
        if (_override is not null)
        {
            return _override(uri);
        }

        // Scope: scheme://host[:port] must equal the refresh URL's.
        return Uri.Compare(uri, _origin, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
    }

    // No header of the legacy protocol is on every request: the mark lives in the options (which this dialect reads per request anyway,
    // for SessionRequestOptions.Explicit).
    public bool IsHandled(HttpRequestMessage request) => SessionRequestOptions.IsHandled(request);

    public void ReleaseHandled(HttpRequestMessage request) => SessionRequestOptions.ClearHandled(request);

    public LocalSessionState GetState(SessionTokens tokens) =>
        IdRefreshToken(tokens) is null ? LocalSessionState.NotExists : LocalSessionState.Exists;

    public bool SameKey(SessionTokens a, SessionTokens b) =>
        string.Equals(IdRefreshToken(a), IdRefreshToken(b), StringComparison.Ordinal);

    public UserHeaders CaptureUserHeaders(HttpRequestMessage request, SessionTokens tokens)
    {
        var headers = request.Headers.NonValidated;
        var antiCsrf = headers.TryGetValues(HeaderNames.AntiCsrf, out var a) ? a.ToString() : null;
        var cookie = headers.TryGetValues(HeaderNames.Cookie, out var c) ? c.ToString() : null;
        return new UserHeaders(null, null, antiCsrf, cookie);
    }

    public void DecorateRequest(HttpRequestMessage request, SessionTokens tokens, in UserHeaders user, bool isRetry)
    {
        SessionRequestOptions.MarkHandled(request);
        var headers = request.Headers;
        if (isRetry || user.Any)
        {
            headers.Remove(HeaderNames.AntiCsrf);
            headers.Remove(HeaderNames.Cookie);
        }

        var antiCsrf = tokens.AntiCsrfToken ?? user.AntiCsrf;
        if (antiCsrf is not null)
        {
            headers.TryAddWithoutValidation(HeaderNames.AntiCsrf, antiCsrf);
        }

        var jar = CookieJar.BuildHeader(tokens, request.RequestUri!, time.GetUtcNow());
        var cookie = jar is null ? user.Cookie : user.Cookie is null ? jar : user.Cookie + "; " + jar;
        if (cookie is not null)
        {
            headers.TryAddWithoutValidation(HeaderNames.Cookie, cookie);
        }
    }

    public bool MayChangeSession(HttpResponseMessage response)
    {
        var headers = response.Headers.NonValidated;
        return headers.Contains(HeaderNames.SetCookie) || headers.Contains(HeaderNames.AntiCsrf);
    }

    public SessionTokens ApplyResponse(SessionTokens current, HttpResponseMessage response, Uri requestUri, bool isRefreshResponse, bool wasLoggedIn, List<SessionEvent> events)
    {
        var headers = response.Headers.NonValidated;
        var next = current;
        if (headers.TryGetValues(HeaderNames.SetCookie, out var setCookies))
        {
            var jar = CookieJar.Apply(current.Cookies, requestUri, setCookies, time.GetUtcNow());
            if (jar != current.Cookies)
            {
                next = next with { Cookies = jar };
            }
        }

        // The anti-csrf header of every handled non-expired response and of the refresh response is kept.
        var status = (int)response.StatusCode;
        if ((isRefreshResponse || status != SessionExpiredStatusCode) && headers.TryGetValues(HeaderNames.AntiCsrf, out var csrf))
        {
            next = next with { AntiCsrfToken = csrf.ToString() };
        }

        var exists = IdRefreshToken(next) is not null;
        if (!exists && next.AntiCsrfToken is not null)
        {
            // The token belongs to the sIdRefreshToken it came with; it goes when that cookie goes.
            next = next with { AntiCsrfToken = null };
        }

        if (!wasLoggedIn && exists)
        {
            events.Add(SessionEvent.Created);
        }
        else if (wasLoggedIn && !exists)
        {
            events.Add(status == SessionExpiredStatusCode ? SessionEvent.UnauthorisedExpired : SessionEvent.SignedOut);
        }

        return next;
    }

    public HttpRequestMessage CreateRefreshRequest(SessionTokens tokens)
    {
        // POST with the cookies only; no anti-csrf (the server ignores it), empty body.
        var request = new HttpRequestMessage(HttpMethod.Post, endpoints.RefreshUri);
        var jar = CookieJar.BuildHeader(tokens.Cookies, endpoints.RefreshUri, time.GetUtcNow());
        if (jar is not null)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Cookie, jar);
        }

        return request;
    }

    // Success is exactly 200 (the store is then checked for sIdRefreshToken by the coordinator).
    public bool IsRefreshSuccess(HttpResponseMessage response) => (int)response.StatusCode == 200;

    public bool IsIncompleteRefreshSuccess(HttpResponseMessage response) => false;

    private string? IdRefreshToken(SessionTokens tokens) =>
        tokens.Cookies.IsDefaultOrEmpty ? null : CookieJar.Find(tokens.Cookies, HeaderNames.LegacyIdRefreshCookie, _origin, time.GetUtcNow())?.Value;
}
