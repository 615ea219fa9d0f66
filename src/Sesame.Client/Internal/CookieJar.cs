using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Sesame.Client.Internal;

/// <summary>
/// A small RFC 6265 cookie jar over an immutable list: what a browser does with <c>Set-Cookie</c> and <c>Cookie</c>, for the cookie transfer
/// method and the legacy protocol. One deliberate tolerance (docs/protocol/legacy.md#cookies-only: cookies are parsed tolerantly):
/// <c>Domain=localhost</c> received from a loopback host is kept as a host-only cookie of that host instead of being dropped.
/// </summary>
internal static class CookieJar
{
    /// <summary>Applies every <c>Set-Cookie</c> of a response; returns the same array instance when nothing changed.</summary>
    public static ImmutableArray<StoredCookie> Apply(ImmutableArray<StoredCookie> jar, Uri requestUri, HeaderStringValues setCookies, DateTimeOffset now)
    {
        var result = jar;
        foreach (var header in setCookies)
        {
            if (!TryParse(header, requestUri, now, out var cookie, out var expired))
            {
                continue;
            }

            var index = IndexOf(result, cookie.Name, cookie.Domain, cookie.Path);
            if (expired)
            {
                if (index >= 0)
                {
                    result = result.RemoveAt(index);
                }
            }
            else
            {
                result = index >= 0 ? result.SetItem(index, cookie) : result.Add(cookie);
            }
        }

        return RemoveExpired(result, now);
    }

    /// <summary>The <c>Cookie</c> header value for <paramref name="uri"/>, or null when no cookie applies.</summary>
    /// <summary>
    /// <see cref="BuildHeader(ImmutableArray{StoredCookie}, Uri, DateTimeOffset)"/> for the jar of a snapshot, reusing the header built for
    /// an earlier request of the same snapshot when exactly the same cookies match (the usual case: every request of a session goes to the
    /// same API): the cookie transfer method then costs no list, builder or string per request.
    /// </summary>
    public static string? BuildHeader(SessionTokens tokens, Uri uri, DateTimeOffset now)
    {
        var jar = tokens.Cookies;
        if (jar.IsDefaultOrEmpty || jar.Length > 64)
        {
            return BuildHeader(jar, uri, now);
        }

        // Which cookies match, one bit each: the same bits give the same header (the order is decided by the cookies alone).
        var matching = 0UL;
        for (var i = 0; i < jar.Length; i++)
        {
            if (Matches(jar[i], uri, now))
            {
                matching |= 1UL << i;
            }
        }

        if (matching == 0)
        {
            return null;
        }

        if (tokens.CookieHeaderCache is { } cached && cached.Matching == matching)
        {
            return cached.Header;
        }

        var header = BuildHeader(jar, uri, now)!;
        tokens.CookieHeaderCache = new CachedCookieHeader(matching, header);
        return header;
    }

    public static string? BuildHeader(ImmutableArray<StoredCookie> jar, Uri uri, DateTimeOffset now)
    {
        if (jar.IsDefaultOrEmpty)
        {
            return null;
        }

        StringBuilder? builder = null;
        List<StoredCookie>? matches = null;
        foreach (var cookie in jar)
        {
            if (Matches(cookie, uri, now))
            {
                (matches ??= []).Add(cookie);
            }
        }

        if (matches is null)
        {
            return null;
        }

        // Longer paths first (RFC 6265 5.4).
        matches.Sort(static (a, b) => b.Path.Length.CompareTo(a.Path.Length));
        foreach (var cookie in matches)
        {
            builder ??= new StringBuilder();
            if (builder.Length > 0)
            {
                builder.Append("; ");
            }

            builder.Append(cookie.Name).Append('=').Append(cookie.Value);
        }

        return builder?.ToString();
    }

    /// <summary>The first live cookie named <paramref name="name"/> that would be sent to <paramref name="uri"/>.</summary>
    public static StoredCookie? Find(ImmutableArray<StoredCookie> jar, string name, Uri uri, DateTimeOffset now)
    {
        if (jar.IsDefaultOrEmpty)
        {
            return null;
        }

        foreach (var cookie in jar)
        {
            if (string.Equals(cookie.Name, name, StringComparison.Ordinal) && Matches(cookie, uri, now))
            {
                return cookie;
            }
        }

        return null;
    }

    public static bool Matches(StoredCookie cookie, Uri uri, DateTimeOffset now)
    {
        if (cookie.Expires is { } expires && expires <= now)
        {
            return false;
        }

        var host = uri.IdnHost;
        var domainOk = cookie.HostOnly
            ? string.Equals(host, cookie.Domain, StringComparison.OrdinalIgnoreCase)
            : DomainMatches(host, cookie.Domain);
        if (!domainOk)
        {
            return false;
        }

        if (cookie.Secure && uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            return false;
        }

        return PathMatches(uri.AbsolutePath, cookie.Path);
    }

    private static bool TryParse(string header, Uri requestUri, DateTimeOffset now, out StoredCookie cookie, out bool expired)
    {
        cookie = null!;
        expired = false;
        var parts = header.Split(';');
        var nameValue = parts[0];
        var eq = nameValue.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return false;
        }

        var name = nameValue[..eq].Trim();
        var value = nameValue[(eq + 1)..].Trim();
        if (name.Length == 0)
        {
            return false;
        }

        string? domainAttribute = null;
        string? path = null;
        DateTimeOffset? expires = null;
        DateTimeOffset? maxAgeExpiry = null;
        var secure = false;
        for (var i = 1; i < parts.Length; i++)
        {
            var attribute = parts[i];
            var aeq = attribute.IndexOf('=', StringComparison.Ordinal);
            var key = (aeq < 0 ? attribute : attribute[..aeq]).Trim();
            var attributeValue = aeq < 0 ? string.Empty : attribute[(aeq + 1)..].Trim();
            if (key.Equals("expires", StringComparison.OrdinalIgnoreCase))
            {
                if (DateTimeOffset.TryParse(attributeValue, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    expires = parsed;
                }
            }
            else if (key.Equals("max-age", StringComparison.OrdinalIgnoreCase))
            {
                if (long.TryParse(attributeValue, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
                {
                    maxAgeExpiry = seconds <= 0 ? DateTimeOffset.MinValue : now.AddSeconds(Math.Min(seconds, 400L * 24 * 3600));
                }
            }
            else if (key.Equals("domain", StringComparison.OrdinalIgnoreCase))
            {
                if (attributeValue.Length > 0)
                {
                    domainAttribute = attributeValue.TrimStart('.').ToLowerInvariant();
                }
            }
            else if (key.Equals("path", StringComparison.OrdinalIgnoreCase))
            {
                path = attributeValue;
            }
            else if (key.Equals("secure", StringComparison.OrdinalIgnoreCase))
            {
                secure = true;
            }
        }

        var host = requestUri.IdnHost.ToLowerInvariant();
        string domain;
        bool hostOnly;
        if (domainAttribute is null)
        {
            domain = host;
            hostOnly = true;
        }
        else if (DomainMatches(host, domainAttribute))
        {
            domain = domainAttribute;
            hostOnly = false;
        }
        else if (domainAttribute == "localhost" && requestUri.IsLoopback)
        {
            domain = host;
            hostOnly = true;
        }
        else
        {
            return false;
        }

        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            path = DefaultPath(requestUri.AbsolutePath);
        }

        var effectiveExpiry = maxAgeExpiry ?? expires;
        expired = effectiveExpiry is { } e && e <= now;
        cookie = new StoredCookie(name, value, domain, path, effectiveExpiry == DateTimeOffset.MinValue ? null : effectiveExpiry, hostOnly, secure);
        return true;
    }

    private static ImmutableArray<StoredCookie> RemoveExpired(ImmutableArray<StoredCookie> jar, DateTimeOffset now)
    {
        var result = jar;
        for (var i = result.Length - 1; i >= 0; i--)
        {
            if (result[i].Expires is { } e && e <= now)
            {
                result = result.RemoveAt(i);
            }
        }

        return result;
    }

    private static int IndexOf(ImmutableArray<StoredCookie> jar, string name, string domain, string path)
    {
        for (var i = 0; i < jar.Length; i++)
        {
            var c = jar[i];
            if (c.Name == name && string.Equals(c.Domain, domain, StringComparison.OrdinalIgnoreCase) && c.Path == path)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool DomainMatches(string host, string domain)
    {
        if (string.Equals(host, domain, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return !IPAddress.TryParse(host.Trim('[', ']'), out _)
            && host.Length > domain.Length
            && host.EndsWith(domain, StringComparison.OrdinalIgnoreCase)
            && host[host.Length - domain.Length - 1] == '.';
    }

    private static bool PathMatches(string requestPath, string cookiePath)
    {
        if (requestPath.Length == 0)
        {
            requestPath = "/";
        }

        if (string.Equals(requestPath, cookiePath, StringComparison.Ordinal))
        {
            return true;
        }

        return requestPath.StartsWith(cookiePath, StringComparison.Ordinal)
            && (cookiePath.EndsWith('/') || requestPath[cookiePath.Length] == '/');
    }

    private static string DefaultPath(string requestPath)
    {
        if (string.IsNullOrEmpty(requestPath) || requestPath[0] != '/')
        {
            return "/";
        }

        var last = requestPath.LastIndexOf('/');
        return last <= 0 ? "/" : requestPath[..last];
    }
}
