using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Internal;

/// <summary>The rules written as DataAnnotations attributes on <see cref="SesameServerOptions"/>' properties, checked by code the
/// options source generator writes (no reflection). The rules attributes cannot express are in <see cref="SesameServerOptionsValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class SesameServerOptionsDataAnnotationsValidator : IValidateOptions<SesameServerOptions>;
