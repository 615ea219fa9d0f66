using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>What a validator sees besides the payload: the request and the current time.</summary>
/// <param name="HttpContext">The request being authorized.</param>
/// <param name="Now">The server's current time (from its <see cref="TimeProvider"/>).</param>
public sealed record SessionClaimValidationContext(HttpContext HttpContext, DateTimeOffset Now);
