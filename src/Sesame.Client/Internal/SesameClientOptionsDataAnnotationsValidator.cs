using Microsoft.Extensions.Options;

namespace Sesame.Client.Internal;

/// <summary>The rules written as DataAnnotations attributes on <see cref="SesameClientOptions"/>' properties, checked by code the options
/// source generator writes (no reflection). <see cref="SesameClientOptionsValidator"/> runs it before the rules attributes cannot express.</summary>
[OptionsValidator]
internal sealed partial class SesameClientOptionsDataAnnotationsValidator : IValidateOptions<SesameClientOptions>;
