using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>Checks the DataAnnotations attributes on <see cref="SesameIdentityOptions"/>' properties at start-up, by code the options source
/// generator writes (no reflection).</summary>
[OptionsValidator]
internal sealed partial class SesameIdentityOptionsDataAnnotationsValidator : IValidateOptions<SesameIdentityOptions>;
