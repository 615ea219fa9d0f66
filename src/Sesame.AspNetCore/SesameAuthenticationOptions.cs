using Microsoft.AspNetCore.Authentication;

namespace Sesame.AspNetCore;

/// <summary>
/// Options of the Sesame authentication scheme (the <c>Forward*</c> settings are honoured as by any ASP.NET Core scheme).
/// Session settings, and session events, live in <see cref="SesameServerOptions"/>: the scheme raises no authentication events, so
/// setting <c>Events</c> or <c>EventsType</c> here fails validation at start-up.
/// </summary>
public sealed class SesameAuthenticationOptions : AuthenticationSchemeOptions
{
}
