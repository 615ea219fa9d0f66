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

    /// <summary>Normalises a base path: leading slash, no trailing slash, <c>/</c> becomes empty.</summary>
    public static string NormalizePath(string? input)
    {
        var text = (input ?? string.Empty).Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            text = new Uri(text).AbsolutePath;
        }

        text = text.TrimEnd('/');
        if (text.Length > 0 && text[0] != '/')
        {
            text = "/" + text;
        }

        return text;
    }

    /// <summary>Normalises <c>SessionTokenBackendDomain</c>: trimmed, lower-cased, port dropped; a leading dot is kept (dropped for localhost/IP).</summary>
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

        var host = uri.IdnHost;
        scope = IsLocalhostOrIp(host) || !hadDot ? host : "." + host;
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
