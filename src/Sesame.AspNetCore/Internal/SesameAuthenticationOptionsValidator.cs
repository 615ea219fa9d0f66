using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Internal;

/// <summary>Checks the options of the Sesame authentication scheme: the checks every ASP.NET Core scheme runs, and that no
/// authentication events are set (the scheme raises none: session events live in <see cref="SesameServerOptions.Events"/>).</summary>
internal sealed class SesameAuthenticationOptionsValidator : IValidateOptions<SesameAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, SesameAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(name, SesameDefaults.AuthenticationScheme, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        // AuthenticationSchemeOptions' own checks throw, as they do for any scheme.
        options.Validate(SesameDefaults.AuthenticationScheme);
        return options.Events is null && options.EventsType is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("The Sesame scheme raises no authentication events, so SesameAuthenticationOptions.Events/EventsType "
                + "would never be called; use SesameServerOptions.Events (AddSesame(o => o.Events.…)) for session events.");
    }
}
