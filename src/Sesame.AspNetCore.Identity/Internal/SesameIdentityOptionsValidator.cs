using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>Checks <see cref="SesameIdentityOptions"/> at start-up.</summary>
internal sealed class SesameIdentityOptionsValidator : IValidateOptions<SesameIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, SesameIdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.LoginFailureStatusCode is < 400 or > 499
            ? ValidateOptionsResult.Fail(
                $"SesameIdentityOptions.LoginFailureStatusCode must be a 4xx status (it is {options.LoginFailureStatusCode}).")
            : ValidateOptionsResult.Success;
    }
}
