using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Internal;

/// <summary>The options with every default resolved once, so the request path reads plain fields.</summary>
internal sealed class SesameSettings
{
    public SesameSettings(IOptions<SesameServerOptions> options)
    {
        Options = options.Value;
        var basePath = Options.ApiBasePath.TrimEnd('/');
        BasePath = basePath;
        RefreshPath = basePath + "/session/refresh";
        SignOutPath = basePath + "/signout";
        JwksPath = basePath + "/jwt/jwks.json";
        OpenIdConfigurationPath = basePath + "/.well-known/openid-configuration";
        ApiOrigin = Options.ApiDomain is null ? null : new Uri(Options.ApiDomain).GetLeftPart(UriPartial.Authority);
        SameSite = Options.CookieSameSite ?? DefaultSameSite(Options.ApiDomain, Options.WebsiteDomain);
        AntiCsrf = Options.AntiCsrf ?? (SameSite == SameSiteMode.None ? AntiCsrfMode.ViaCustomHeader : AntiCsrfMode.None);
        CookieDomain = NormaliseCookieDomain(Options.CookieDomain);
        // "" (or a domain browsers store host-only) = the older cookies were host-only: cleared without a Domain attribute.
        OlderCookieDomain = Options.OlderCookieDomain is null ? null : NormaliseCookieDomain(Options.OlderCookieDomain) ?? string.Empty;
        ClaimMapper = new PayloadClaimMapper(Options.ClaimMapping ?? new SesameClaimMappingOptions());
        QueryStringTokenPaths = [.. Options.QueryStringTokenPaths.Select(static path => new PathString(path.TrimEnd('/')))];
    }

    /// <summary>Where an <c>access_token</c> query parameter is read (SignalR hubs); empty: nowhere.</summary>
    public PathString[] QueryStringTokenPaths { get; }

    /// <summary>Whether <paramref name="path"/> is one of <see cref="QueryStringTokenPaths"/> or below one.</summary>
    public bool AcceptsQueryStringToken(PathString path)
    {
        foreach (var accepted in QueryStringTokenPaths)
        {
            if (path.StartsWithSegments(accepted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public SesameServerOptions Options { get; }

    /// <summary>The payload-to-claims mapping (here rather than in the handler's constructor: the handler is made per request).</summary>
    public PayloadClaimMapper ClaimMapper { get; }

    public string BasePath { get; }

    public string RefreshPath { get; }

    public string SignOutPath { get; }

    public string JwksPath { get; }

    public string OpenIdConfigurationPath { get; }

    /// <summary><c>scheme://host[:port]</c> of <see cref="SesameServerOptions.ApiDomain"/>, or null (use the request's).</summary>
    public string? ApiOrigin { get; }

    public SameSiteMode SameSite { get; }

    public AntiCsrfMode AntiCsrf { get; }

    public string? CookieDomain { get; }

    /// <summary>Null: duplicate session cookies on refresh are an error; "": clear host-only cookies; else the older Domain to clear.</summary>
    public string? OlderCookieDomain { get; }

    /// <summary>The <c>iss</c> claim: the API origin plus the base path.</summary>
    public string Issuer(HttpRequest request) =>
        ApiOrigin is not null ? ApiOrigin + BasePath : request.Scheme + "://" + request.Host.Value + BasePath;

    public bool CookieSecure(HttpRequest request) =>
        Options.CookieSecure ?? (ApiOrigin is not null
            ? ApiOrigin.StartsWith("https", StringComparison.OrdinalIgnoreCase)
            : request.IsHttps);

    /// <summary>localhost, <c>localhost.org</c> and IP addresses all count as "localhost" for cookie rules.</summary>
    public static bool IsLocalHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.Equals("localhost.org", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out _);

    private static SameSiteMode DefaultSameSite(string? apiDomain, string? websiteDomain)
    {
        if (apiDomain is null || websiteDomain is null)
        {
            return SameSiteMode.Lax;
        }

        var api = new Uri(apiDomain);
        var site = new Uri(websiteDomain);
        if (!string.Equals(api.Scheme, site.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return SameSiteMode.None;
        }

        return string.Equals(SiteOf(api.Host), SiteOf(site.Host), StringComparison.OrdinalIgnoreCase) ? SameSiteMode.Lax : SameSiteMode.None;
    }

    /// <summary>
    /// An approximation of eTLD+1 without a public-suffix list: the last two labels (three when the second-last is a
    /// short label such as <c>co.uk</c>). localhost and IPs collapse to "localhost".
    /// </summary>
    private static string SiteOf(string host)
    {
        if (IsLocalHost(host))
        {
            return "localhost";
        }

        var labels = host.Split('.');
        if (labels.Length <= 2)
        {
            return host;
        }

        var take = labels[^2].Length <= 3 && labels[^1].Length == 2 ? 3 : 2;
        return string.Join('.', labels[^take..]);
    }

    private static string? NormaliseCookieDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        var lower = domain.Trim().ToLowerInvariant();
        // Browsers reject Domain=localhost and IP domains; the reference drops them.
        return IsLocalHost(lower.TrimStart('.')) ? null : lower;
    }
}
