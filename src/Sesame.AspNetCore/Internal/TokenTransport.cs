using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using HttpSameSite = Microsoft.AspNetCore.Http.SameSiteMode;
using HeaderSameSite = Microsoft.Net.Http.Headers.SameSiteMode;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Reads tokens from requests and writes them to responses in either transfer method, with the cookie attributes,
/// front token and exposed headers of docs/protocol/wire-format.md.
/// </summary>
internal sealed class TokenTransport(SesameSettings settings, TimeProvider time)
{
    public const string AccessTokenCookie = "sAccessToken";
    public const string RefreshTokenCookie = "sRefreshToken";
    public const string LegacyIdRefreshTokenCookie = "sIdRefreshToken";
    public const string AccessTokenHeader = "st-access-token";
    public const string RefreshTokenHeader = "st-refresh-token";
    public const string FrontTokenHeader = "front-token";
    public const string AntiCsrfHeader = "anti-csrf";
    public const string AuthModeHeader = "st-auth-mode";
    private const string BearerPrefix = "Bearer ";
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary><c>Authorization: Bearer x</c> (exact, case-sensitive prefix), trimmed; or null.</summary>
    public static string? ReadBearer(HttpRequest request) => TryReadBearer(request, out var token) ? token.ToString() : null;

    /// <summary>
    /// <see cref="ReadBearer"/> without a copy: the token as a slice of the header's own string (a ~1 KB token would otherwise be
    /// copied on every request just to look it up in the verified-token cache).
    /// </summary>
    public static bool TryReadBearer(HttpRequest request, out ReadOnlySpan<char> token)
    {
        token = default;
        var value = request.Headers.Authorization;
        if (value.Count != 1)
        {
            return false;
        }

        var text = value[0];
        if (text is null || !text.StartsWith(BearerPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        token = text.AsSpan(BearerPrefix.Length).Trim();
        return token.Length != 0;
    }

    /// <summary>The transfer method a create asks for: <c>st-auth-mode: cookie</c> gives cookies, anything else headers.</summary>
    public static TokenTransferMethod RequestedMethod(HttpRequest request) =>
        request.Headers.TryGetValue(AuthModeHeader, out var mode) && mode.Count == 1
            && string.Equals(mode[0]?.Trim(), "cookie", StringComparison.OrdinalIgnoreCase)
            ? TokenTransferMethod.Cookie
            : TokenTransferMethod.Header;

    /// <summary>True when the raw Cookie header holds <paramref name="name"/> more than once (duplicate session cookies).</summary>
    public static bool HasDuplicateCookie(HttpRequest request, string name)
    {
        foreach (var header in request.Headers.Cookie)
        {
            if (header is null)
            {
                continue;
            }

            var first = IndexOfCookie(header, name, 0);
            if (first >= 0 && IndexOfCookie(header, name, first + name.Length) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOfCookie(string header, string name, int start)
    {
        while (start < header.Length)
        {
            var at = header.IndexOf(name, start, StringComparison.Ordinal);
            if (at < 0)
            {
                return -1;
            }

            var end = at + name.Length;
            var boundary = at == 0 || header[at - 1] == ' ' || header[at - 1] == ';';
            if (boundary && end < header.Length && header[end] == '=')
            {
                return at;
            }

            start = end;
        }

        return -1;
    }

    /// <summary>Sends a new access token (and, when given, refresh token and anti-CSRF token) plus the front token.</summary>
    public void WriteTokens(HttpContext context, SesameSession session, string? refreshToken, DateTimeOffset refreshTokenExpiresAt,
        string? antiCsrfToken)
    {
        var response = context.Response;
        if (session.TransferMethod == TokenTransferMethod.Cookie)
        {
            // The access cookie outlives the JWT (1 year) so an expired token still reaches the server and gets a "try refresh".
            AppendCookie(context, AccessTokenCookie, session.AccessToken, "/", time.GetUtcNow().AddYears(1));
            if (refreshToken is not null)
            {
                AppendCookie(context, RefreshTokenCookie, refreshToken, settings.RefreshPath, refreshTokenExpiresAt);
            }

            if (antiCsrfToken is not null)
            {
                response.Headers[AntiCsrfHeader] = antiCsrfToken;
                Expose(response, AntiCsrfHeader);
            }
        }
        else
        {
            response.Headers[AccessTokenHeader] = session.AccessToken;
            Expose(response, AccessTokenHeader);
            if (refreshToken is not null)
            {
                response.Headers[RefreshTokenHeader] = refreshToken;
                Expose(response, RefreshTokenHeader);
            }
        }

        response.Headers[FrontTokenHeader] = BuildFrontToken(session);
        Expose(response, FrontTokenHeader);
    }

    /// <summary>Clears the tokens of one transfer method and sends <c>front-token: remove</c>.</summary>
    public void Clear(HttpContext context, TokenTransferMethod method)
    {
        var response = context.Response;
        if (method == TokenTransferMethod.Cookie)
        {
            AppendCookie(context, AccessTokenCookie, string.Empty, "/", Epoch);
            AppendCookie(context, RefreshTokenCookie, string.Empty, settings.RefreshPath, Epoch);
        }
        else
        {
            response.Headers[AccessTokenHeader] = string.Empty;
            response.Headers[RefreshTokenHeader] = string.Empty;
            Expose(response, AccessTokenHeader);
            Expose(response, RefreshTokenHeader);
        }

        response.Headers.Remove(AntiCsrfHeader);
        response.Headers[FrontTokenHeader] = "remove";
        Expose(response, FrontTokenHeader);
    }

    /// <summary>"Clear all": both transfer methods (UNAUTHORISED with clearing, theft).</summary>
    public void ClearAll(HttpContext context)
    {
        Clear(context, TokenTransferMethod.Cookie);
        Clear(context, TokenTransferMethod.Header);
        ClearLegacyIdRefreshToken(context);
    }

    /// <summary>Expires the session cookies of an older cookie domain (<c>""</c>: host-only), leaving the current ones alone.</summary>
    public void ClearOlderDomainCookies(HttpContext context, string olderDomain)
    {
        var domain = olderDomain.Length == 0 ? null : olderDomain;
        AppendCookie(context, AccessTokenCookie, string.Empty, "/", Epoch, domain);
        AppendCookie(context, RefreshTokenCookie, string.Empty, settings.RefreshPath, Epoch, domain);
    }

    /// <summary>Pre-2022 servers set an <c>sIdRefreshToken</c> cookie; a refresh removes it when present.</summary>
    public void ClearLegacyIdRefreshToken(HttpContext context)
    {
        if (context.Request.Cookies.ContainsKey(LegacyIdRefreshTokenCookie))
        {
            AppendCookie(context, LegacyIdRefreshTokenCookie, string.Empty, "/", Epoch);
        }
    }

    /// <summary>Standard padded base64 of <c>{"uid":sub,"ate":expiryMs,"up":payload}</c> (docs/protocol/wire-format.md#front-token).</summary>
    public static string BuildFrontToken(SesameSession session)
    {
        var builder = new StringBuilder(session.PayloadJson.Length + 64);
        builder.Append("{\"uid\":\"").Append(JavaScriptEncoder.Default.Encode(session.UserId)).Append("\",\"ate\":")
            .Append(session.ExpiresAtSeconds * 1000).Append(",\"up\":").Append(session.PayloadJson).Append('}');
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(builder.ToString()));
    }

    /// <summary>Adds <paramref name="name"/> to <c>Access-Control-Expose-Headers</c> unless it is already there.</summary>
    public static void Expose(HttpResponse response, string name)
    {
        var existing = response.Headers.AccessControlExposeHeaders;
        foreach (var value in existing)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(','))
            {
                if (part.Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
            }
        }

        // One comma-separated line: some clients read only the first line of a repeated header.
        response.Headers.AccessControlExposeHeaders = existing.Count == 0 ? name : string.Join(", ", existing.ToArray()) + ", " + name;
    }

    private void AppendCookie(HttpContext context, string name, string value, string path, DateTimeOffset expires) =>
        AppendCookie(context, name, value, path, expires, settings.CookieDomain);

    private void AppendCookie(HttpContext context, string name, string value, string path, DateTimeOffset expires, string? domain)
    {
        var secure = settings.CookieSecure(context.Request);
        var sameSite = settings.SameSite;
        if (sameSite == HttpSameSite.None && !secure && !SesameSettings.IsLocalHost(context.Request.Host.Host))
        {
            // The reference answers 500 here too: browsers drop such cookies, so the session could never work.
            throw new InvalidOperationException(
                "Sesame cookies are SameSite=None but not Secure; serve the API over https or set Session:CookieSecure=true.");
        }

        var header = new SetCookieHeaderValue(name, Uri.EscapeDataString(value))
        {
            Path = path,
            Expires = expires,
            HttpOnly = true,
            Secure = secure,
            SameSite = sameSite switch
            {
                HttpSameSite.None => HeaderSameSite.None,
                HttpSameSite.Strict => HeaderSameSite.Strict,
                HttpSameSite.Lax => HeaderSameSite.Lax,
                _ => HeaderSameSite.Unspecified,
            },
            Domain = domain,
        };
        context.Response.Headers.Append(HeaderNames.SetCookie, header.ToString());
    }
}
