using Microsoft.Extensions.Options;
using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// Checks <see cref="SesameClientOptions"/> at start-up (and when <see cref="SesameRequest"/> is initialised without dependency injection)
/// and reports every problem at once.
/// </summary>
/// <remarks>
/// The required/enum rules are DataAnnotations attributes on the options' properties, checked by a source-generated validator; this
/// class runs them and then the rules that are code (ranges, settings compared with each other, URL and domain shapes).
/// </remarks>
public sealed class SesameClientOptionsValidator : IValidateOptions<SesameClientOptions>
{
    private static readonly SesameClientOptionsDataAnnotationsValidator s_attributeRules = new();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SesameClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Returns every problem of <paramref name="options"/> (empty when they are valid).</summary>
    internal static List<string> Collect(SesameClientOptions options)
    {
        var errors = new List<string>();
        if (s_attributeRules.Validate(null, options) is { Failed: true, Failures: { } failures })
        {
            errors.AddRange(failures);
        }

        // The ranges are code, not [Range] attributes: the source generator's copy of RangeAttribute ignores ErrorMessage (and, over
        // TimeSpan, converts its bounds by reflection, which trimming does not allow).
        if (options.SessionExpiredStatusCode is < 100 or > 599)
        {
            errors.Add($"SessionExpiredStatusCode must be an HTTP status (100-599), not {options.SessionExpiredStatusCode}.");
        }

        if (options.InvalidClaimStatusCode is < 100 or > 599)
        {
            errors.Add($"InvalidClaimStatusCode must be an HTTP status (100-599), not {options.InvalidClaimStatusCode}.");
        }

        if (options.SessionExpiredStatusCode == options.InvalidClaimStatusCode)
        {
            errors.Add("SessionExpiredStatusCode and InvalidClaimStatusCode cannot be equal.");
        }

        if (options.MaxRetryAttemptsForSessionRefresh < 0)
        {
            errors.Add("MaxRetryAttemptsForSessionRefresh must be 0 or more.");
        }

        if (options.RefreshRequestTimeout <= TimeSpan.Zero && options.RefreshRequestTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add("RefreshRequestTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        }

        if (options.RefreshLockWaitTimeout <= TimeSpan.Zero)
        {
            errors.Add("RefreshLockWaitTimeout must be positive.");
        }

        if (options.RefreshLockMaxWait != Timeout.InfiniteTimeSpan && options.RefreshLockMaxWait < options.RefreshLockWaitTimeout)
        {
            errors.Add("RefreshLockMaxWait must be at least RefreshLockWaitTimeout (or Timeout.InfiniteTimeSpan).");
        }

        if (options.RefreshBeforeExpiry < TimeSpan.Zero)
        {
            errors.Add($"RefreshBeforeExpiry must not be negative, not {options.RefreshBeforeExpiry}.");
        }

        if (options.Protocol == SessionProtocol.Legacy && string.IsNullOrWhiteSpace(options.RefreshTokenUrl))
        {
            errors.Add("RefreshTokenUrl is required with SessionProtocol.Legacy (the seeds' init(refreshTokenUrl, …)).");
        }

        if (string.IsNullOrWhiteSpace(options.ApiDomain) && string.IsNullOrWhiteSpace(options.RefreshTokenUrl))
        {
            errors.Add("ApiDomain is required (e.g. \"https://api.example.com\"), unless RefreshTokenUrl is set.");
        }

        if (!string.IsNullOrWhiteSpace(options.ApiDomain) && !UrlNormalizer.TryNormalizeDomain(options.ApiDomain, out _))
        {
            errors.Add($"ApiDomain '{options.ApiDomain}' is not a valid domain (expected e.g. \"https://api.example.com\" or \"localhost:5000\").");
        }

        CheckAbsolute(options.RefreshTokenUrl, nameof(options.RefreshTokenUrl), errors);
        CheckAbsolute(options.SignOutUrl, nameof(options.SignOutUrl), errors);

        if (options.SessionTokenBackendDomain is { } backend && !UrlNormalizer.TryNormalizeSessionScope(backend, out _))
        {
            errors.Add($"SessionTokenBackendDomain '{backend}' is not a valid domain.");
        }

        return errors;
    }

    private static void CheckAbsolute(string? url, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{name} '{url}' must be an absolute http(s) URL.");
        }
    }
}
