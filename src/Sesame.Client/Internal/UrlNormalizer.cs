using System.Net;

namespace Sesame.Client.Internal;

/// <summary>The URL rules of docs/protocol/refresh.md#configuration and docs/protocol/refresh.md#interception-scope (domain and path normalisation, session scope).</summary>
internal static class UrlNormalizer
{
    /// <summary>Normalises an API domain to <c>scheme://host[:port]</c>: default scheme https, http for localhost and IP addresses; path dropped.</summary>
    public static bool TryNormalizeDomain(string input, out Uri domain)
    {
        domain = null!;
        var text = input.Trim().ToLowerInvariant();
        if (text.Length == 0 || text[0] == '/')
        {
            return false;
        }

        var explicitScheme = text.StartsWith("http://", StringComparison.Ordinal) || text.StartsWith("https://", StringComparison.Ordinal);
        if (!explicitScheme)
        {
            if (text[0] == '.')
            {
                text = text[1..];
            }

            if (!text.Contains('.', StringComparison.Ordinal) && !text.StartsWith("localhost", StringComparison.Ordinal))
            {
                return false;
            }

            if (!Uri.TryCreate("https://" + text, UriKind.Absolute, out var probe))
            {
                return false;
            }

            var scheme = IsLocalhostOrIp(probe.Host) ? "http" : "https";
            text = scheme + "://" + probe.Authority;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }

        domain = new Uri(uri.GetLeftPart(UriPartial.Authority), UriKind.Absolute);
        return true;
    }

    /// <summary>
    /// Normalises a base path as the official client does: a full URL or a domain followed by a path keeps only its path
    /// (<c>api.example.com/one/two</c>, <c>localhost:4000/one</c>); a query and a fragment are dropped (<c>exists?email=…</c> is
    /// <c>/exists</c>); a leading slash is added and one trailing slash removed, so <c>/</c> and <c>""</c> become <c>""</c>.
    /// </summary>
    public static string NormalizePath(string? input)
    {
        var text = (input ?? string.Empty).Trim();
        if (HasHttpScheme(text))
        {
            return PathOf(text);
        }

        // A domain name (a host with a dot) or localhost in front of the path: drop it as the official client does.
        if (IsDomainGiven(text) || text.StartsWith("localhost", StringComparison.Ordinal))
        {
            return PathOf("http://" + text);
        }

        return PathOf("http://example.com" + (text.StartsWith('/') ? text : "/" + text));
    }

    private static bool HasHttpScheme(string text) =>
        text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    // The official client's test: a dot somewhere, no leading slash, and a host (read as http://{text}) that contains a dot.
    private static bool IsDomainGiven(string text) =>
        text.Contains('.', StringComparison.Ordinal) && !text.StartsWith('/') && HostOf(text).Contains('.', StringComparison.Ordinal);

    // The host of "{text}" read as the authority of an http URL: up to the first '/', '?' or '#', without user info and port.
    private static string HostOf(string text)
    {
        var end = text.AsSpan().IndexOfAny('/', '?', '#');
        var authority = end < 0 ? text : text[..end];
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        var colon = authority.LastIndexOf(':');
        return colon >= 0 && !authority.EndsWith(']') ? authority[..colon] : authority;
    }

    // The path of an absolute http(s) URL (its query and fragment dropped, dot segments resolved and characters escaped as a URL
    // parser does), without one trailing slash.
    private static string PathOf(string url)
    {
        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var rest = url.AsSpan(afterScheme);
        var pathStart = rest.IndexOfAny('/', '?', '#');
        var path = pathStart < 0 || rest[pathStart] != '/' ? "/" : rest[pathStart..].ToString();
        var end = path.AsSpan().IndexOfAny('?', '#');
        if (end >= 0)
        {
            path = path[..end];
        }

        if (Uri.TryCreate("http://example.com" + path, UriKind.Absolute, out var uri))
        {
            path = uri.AbsolutePath;
        }

        return path.EndsWith('/') ? path[..^1] : path;
    }

    /// <summary>Normalises <c>SessionTokenBackendDomain</c> as the official client does: trimmed, lower-cased, port, path, query and fragment dropped; a leading
    /// dot is kept (dropped for <c>localhost</c> and IP addresses).</summary>
    public static bool TryNormalizeSessionScope(string input, out string scope)
    {
        scope = string.Empty;
        var text = input.Trim().ToLowerInvariant();
        var hadDot = text.StartsWith('.');
        if (hadDot)
        {
            text = text[1..];
        }

        if (!text.StartsWith("http://", StringComparison.Ordinal) && !text.StartsWith("https://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }

        // Unlike the API domain's rule (any name starting with "localhost"), only "localhost" itself and IP addresses drop the dot.
        var host = uri.IdnHost;
        scope = host == "localhost" || IPAddress.TryParse(host.Trim('[', ']'), out _) || !hadDot ? host : "." + host;
        return true;
    }

    /// <summary>The scope's suffix rule: true if some label suffix <c>s</c> of <paramref name="host"/> satisfies <c>s == scope</c> or <c>"." + s == scope</c>.</summary>
    public static bool MatchesDomainOrSubdomain(string host, string scope)
    {
        for (var i = 0; i < host.Length; i++)
        {
            if (i != 0 && host[i - 1] != '.')
            {
                continue;
            }

            var suffix = host.AsSpan(i);
            if (suffix.Equals(scope, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (scope.Length == suffix.Length + 1 && scope[0] == '.' && scope.AsSpan(1).Equals(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>localhost (and names starting with it, as the reference does) or an IP literal.</summary>
    public static bool IsLocalhostOrIp(string host) =>
        host.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host.Trim('[', ']'), out _);
}
