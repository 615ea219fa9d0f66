using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Internal;

/// <summary>Checks every setting at start-up and reports all problems at once.</summary>
/// <param name="environment">The host's environment; null where there is no host (a bare service collection), which skips the
/// Production-only rules.</param>
internal sealed class SesameOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<SesameServerOptions>
{
    public ValidateOptionsResult Validate(string? name, SesameServerOptions options)
    {
        var errors = new List<string>();
        if (options.AccessTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Session:AccessTokenLifetime must be positive.");
        }

        if (options.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Session:RefreshTokenLifetime must be positive.");
        }

        if (options.SigningKeyRotationInterval <= TimeSpan.Zero)
        {
            errors.Add("Session:SigningKeyRotationInterval must be positive.");
        }

        if (options.RefreshTokenKeyRotationInterval <= TimeSpan.Zero)
        {
            errors.Add("Session:RefreshTokenKeyRotationInterval must be positive.");
        }

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

        if (string.IsNullOrWhiteSpace(options.ApiBasePath) || options.ApiBasePath[0] != '/')
        {
            errors.Add("Session:ApiBasePath must start with '/' (e.g. /auth).");
        }

        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            errors.Add("Session:DatabasePath must not be empty.");
        }

        // Without ApiDomain the issuer, the OpenID jwks_uri and the cookies' Secure flag come from the request (its Host header, which any
        // client sets, and its scheme, which behind a TLS-terminating proxy is http): fine on a developer's machine, not in production.
        if (options.ApiDomain is null && environment?.IsProduction() == true)
        {
            errors.Add("Session:ApiDomain must be set in the Production environment (e.g. https://api.example.com, the API's public origin): "
                + "without it the access tokens' issuer, the OpenID configuration's jwks_uri and the cookies' Secure flag come from the request's "
                + "Host header and scheme, which a client controls or a TLS-terminating proxy changes. See docs/security.md.");
        }

        CheckOrigin(options.ApiDomain, "ApiDomain", errors);
        CheckOrigin(options.WebsiteDomain, "WebsiteDomain", errors);
        if (options.Events is null)
        {
            errors.Add("Session:Events must not be null.");
        }

        if (options.ClaimMapping is null)
        {
            errors.Add("Session:ClaimMapping must not be null.");
        }
        else if (options.ClaimMapping.ClaimTypes.Any(static pair => string.IsNullOrWhiteSpace(pair.Value)))
        {
            errors.Add("Session:ClaimMapping:ClaimTypes must map every payload property to a non-empty claim type.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckOrigin(string? value, string name, List<string> errors)
    {
        if (value is not null && !Uri.TryCreate(value, UriKind.Absolute, out _))
        {
            errors.Add($"Session:{name} must be an absolute URL such as https://api.example.com (got '{value}').");
        }
    }
}
