using Microsoft.Extensions.Options;

namespace Sesame.Client.Blazor.Internal;

/// <summary>The rules written as DataAnnotations attributes on <see cref="SesameBlazorOptions"/>' properties, checked by code the options
/// source generator writes (no reflection). The rules attributes cannot express are in <see cref="SesameBlazorOptionsValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class SesameBlazorOptionsDataAnnotationsValidator : IValidateOptions<SesameBlazorOptions>;
