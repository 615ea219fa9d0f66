using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The rules of <see cref="SesameServerOptions"/> that are not DataAnnotations attributes: ranges (see below), two settings compared,
/// the host's environment, URL shapes, the claim map. The required/format rules are attributes checked by
/// <see cref="SesameServerOptionsDataAnnotationsValidator"/>. Both run at start-up and every problem is reported at once.
/// </summary>
/// <param name="environment">The host's environment; null where there is no host (a bare service collection), which skips the
/// Production-only rules.</param>
internal sealed class SesameServerOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<SesameServerOptions>
{
    public ValidateOptionsResult Validate(string? name, SesameServerOptions options)
    {
        var errors = new List<string>();

        // The ranges are code, not [Range] attributes: the source generator's copy of RangeAttribute ignores ErrorMessage, and these
        // messages name the configuration keys.
        CheckPositive(options.AccessTokenLifetime, "AccessTokenLifetime", errors);
        CheckPositive(options.RefreshTokenLifetime, "RefreshTokenLifetime", errors);
        CheckPositive(options.SigningKeyRotationInterval, "SigningKeyRotationInterval", errors);
        CheckPositive(options.RefreshTokenKeyRotationInterval, "RefreshTokenKeyRotationInterval", errors);
        if (options.KeyReloadInterval < TimeSpan.FromSeconds(1) || options.KeyReloadInterval > TimeSpan.FromHours(1))
        {
            errors.Add("Session:KeyReloadInterval must be between 00:00:01 and 01:00:00 (it bounds how long a revoked key is still accepted).");
        }

        if (options.SessionExpiredStatusCode is < 400 or > 599)
        {
            errors.Add("Session:SessionExpiredStatusCode must be a 4xx or 5xx status.");
        }

        if (options.InvalidClaimStatusCode is < 400 or > 599)
        {
            errors.Add("Session:InvalidClaimStatusCode must be a 4xx or 5xx status.");
        }

        if (options.SessionExpiredStatusCode == options.InvalidClaimStatusCode)
        {
            errors.Add("Session:SessionExpiredStatusCode and Session:InvalidClaimStatusCode must differ.");
        }

        // Without ApiDomain the issuer, the OpenID jwks_uri and the cookies' Secure flag come from the request (its Host header, which any
        // client sets, and its scheme, which behind a TLS-terminating proxy is http): fine on a developer's machine, not in production.
        if (options.ApiDomain is null && environment?.IsProduction() == true)
        {
            errors.Add("Session:ApiDomain must be set in the Production environment (e.g. https://api.example.com, the API's public origin): "
                + "without it the access tokens' issuer, the OpenID configuration's jwks_uri and the cookies' Secure flag come from the request's "
                + "Host header and scheme, which a client controls or a TLS-terminating proxy changes. See docs/security.md.");
        }

        if (options.MaxSessionsPerUser is < 1)
        {
            errors.Add("Session:MaxSessionsPerUser must be at least 1 (or unset for no limit).");
        }

        CheckOrigin(options.ApiDomain, "ApiDomain", errors);
        CheckOrigin(options.WebsiteDomain, "WebsiteDomain", errors);
        if (options.ClaimMapping is not null && options.ClaimMapping.ClaimTypes.Any(static pair => string.IsNullOrWhiteSpace(pair.Value)))
        {
            errors.Add("Session:ClaimMapping:ClaimTypes must map every payload property to a non-empty claim type.");
        }

        CheckQueryStringTokenPaths(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Hub paths only: never the session endpoints (a refresh token must never be read from a URL), never every path.</summary>
    private static void CheckQueryStringTokenPaths(SesameServerOptions options, List<string> errors)
    {
        if (options.QueryStringTokenPaths is not { Count: > 0 } paths)
        {
            return;
        }

        var basePath = new PathString((options.ApiBasePath ?? "/").TrimEnd('/'));
        var refreshPath = basePath.Add("/session/refresh");
        var signOutPath = basePath.Add("/signout");
        foreach (var path in paths)
        {
            var trimmed = path?.TrimEnd('/');
            if (string.IsNullOrEmpty(trimmed) || trimmed[0] != '/')
            {
                errors.Add($"Session:QueryStringTokenPaths must hold paths below the root such as /hubs (got '{path}').");
                continue;
            }

            var accepted = new PathString(trimmed);
            if (refreshPath.StartsWithSegments(accepted, StringComparison.OrdinalIgnoreCase)
                || signOutPath.StartsWithSegments(accepted, StringComparison.OrdinalIgnoreCase)
                || (basePath.HasValue && accepted.StartsWithSegments(basePath, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"Session:QueryStringTokenPaths must not hold Session:ApiBasePath, a path below it or a path above the session endpoints (got '{path}').");
            }
        }
    }

    private static void CheckPositive(TimeSpan value, string name, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Session:{name} must be positive.");
        }
    }

    private static void CheckOrigin(string? value, string name, List<string> errors)
    {
        if (value is not null && !Uri.TryCreate(value, UriKind.Absolute, out _))
        {
            errors.Add($"Session:{name} must be an absolute URL such as https://api.example.com (got '{value}').");
        }
    }
}
