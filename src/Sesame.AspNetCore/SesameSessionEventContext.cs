using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>What an event handler learns about a session event. Never contains a token.</summary>
/// <param name="HttpContext">The request.</param>
/// <param name="SessionHandle">The session's handle.</param>
/// <param name="UserId">The session's user.</param>
public sealed record SesameSessionEventContext(HttpContext HttpContext, string SessionHandle, string UserId);
