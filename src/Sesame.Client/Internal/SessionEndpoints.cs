namespace Sesame.Client.Internal;

/// <summary>The URLs the client talks to, resolved once from validated options.</summary>
internal sealed class SessionEndpoints
{
    private SessionEndpoints(Uri apiDomain, Uri refreshUri, Uri? signOutUri, string? sessionScope)
    {
        ApiDomain = apiDomain;
        RefreshUri = refreshUri;
        SignOutUri = signOutUri;
        SessionScope = sessionScope;
    }

    /// <summary><c>scheme://host[:port]</c> of the API.</summary>
    public Uri ApiDomain { get; }

    /// <summary>The refresh endpoint.</summary>
    public Uri RefreshUri { get; }

    /// <summary>The sign-out endpoint, or null (legacy without an explicit sign-out URL).</summary>
    public Uri? SignOutUri { get; }

    /// <summary>The normalised <c>SessionTokenBackendDomain</c>, or null.</summary>
    public string? SessionScope { get; }

    /// <summary>Resolves the endpoints; throws <see cref="ArgumentException"/> listing every problem of invalid options.</summary>
    public static SessionEndpoints Resolve(SesameClientOptions options)
    {
        var errors = SesameClientOptionsValidator.Collect(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Sesame client options: " + string.Join(" ", errors), nameof(options));
        }

        Uri? explicitRefresh = string.IsNullOrWhiteSpace(options.RefreshTokenUrl) ? null : new Uri(options.RefreshTokenUrl.Trim(), UriKind.Absolute);
        Uri apiDomain;
        if (!string.IsNullOrWhiteSpace(options.ApiDomain))
        {
            UrlNormalizer.TryNormalizeDomain(options.ApiDomain, out apiDomain);
        }
        else
        {
            apiDomain = new Uri(explicitRefresh!.GetLeftPart(UriPartial.Authority), UriKind.Absolute);
        }

        var basePath = UrlNormalizer.NormalizePath(options.ApiBasePath);
        var refresh = explicitRefresh ?? new Uri(apiDomain, basePath + "/session/refresh");
        Uri? signOut = !string.IsNullOrWhiteSpace(options.SignOutUrl)
            ? new Uri(options.SignOutUrl.Trim(), UriKind.Absolute)
            : options.Protocol == SessionProtocol.Current ? new Uri(apiDomain, basePath + "/signout") : null;
        string? scope = null;
        if (options.SessionTokenBackendDomain is { } backend)
        {
            UrlNormalizer.TryNormalizeSessionScope(backend, out scope);
        }

        return new SessionEndpoints(apiDomain, refresh, signOut, scope);
    }
}
