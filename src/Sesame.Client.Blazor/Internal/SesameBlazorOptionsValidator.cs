using Microsoft.Extensions.Options;

namespace Sesame.Client.Blazor.Internal;

/// <summary>The rules of <see cref="SesameBlazorOptions"/> that are not attributes on its properties (checked by
/// <see cref="SesameBlazorOptionsDataAnnotationsValidator"/>).</summary>
internal sealed class SesameBlazorOptionsValidator : IValidateOptions<SesameBlazorOptions>
{
    public ValidateOptionsResult Validate(string? name, SesameBlazorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Not a [Range] attribute: the source generator's copy of RangeAttribute ignores ErrorMessage, and over TimeSpan converts its
        // bounds by reflection, which trimming does not allow.
        return options.SessionChangePollInterval > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("SesameBlazorOptions.SessionChangePollInterval must be positive.");
    }
}
