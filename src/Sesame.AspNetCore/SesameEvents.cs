using Sesame.AspNetCore.Claims;

namespace Sesame.AspNetCore;

/// <summary>
/// Callbacks raised by the Sesame server, in the shape of <c>JwtBearerEvents</c>. The answer hooks (<see cref="OnUnauthorised"/>,
/// <see cref="OnTryRefreshToken"/>, <see cref="OnTokenTheftDetected"/>, <see cref="OnInvalidClaim"/>) carry the reference SDK's error
/// handlers' names and may change the answer: see <see cref="SesameResponseContext"/> and docs/authorization.md#server-hooks.
/// </summary>
public sealed class SesameEvents
{
    // The defaults, kept so the request path can skip making a context when nobody replaced them.
    internal static readonly Func<SesameUnauthorisedContext, Task> NoUnauthorisedHandler = static _ => Task.CompletedTask;
    internal static readonly Func<SesameTryRefreshContext, Task> NoTryRefreshHandler = static _ => Task.CompletedTask;
    internal static readonly Func<SesameInvalidClaimContext, Task> NoInvalidClaimHandler = static _ => Task.CompletedTask;

    /// <summary>Raised after a session was refreshed successfully.</summary>
    public Func<SesameSessionEventContext, Task> OnSessionRefreshed { get; set; } = static _ => Task.CompletedTask;

    /// <summary>
    /// Raised during a refresh, after the refresh token was found current and before new tokens are made: a handler may call
    /// <see cref="SesameRefreshingContext.Reject"/> (e.g. the user was deleted or locked out), and the session is then revoked and the
    /// refresh answered as unauthorised. Not raised for a replayed (stolen) token, which is revoked anyway.
    /// </summary>
    public Func<SesameRefreshingContext, Task> OnRefreshing { get; set; } = static _ => Task.CompletedTask;

    /// <summary>
    /// Raised after a refresh token that had already been superseded was presented, before the answer is written; the session is revoked
    /// and its tokens cleared by then. A handler may change the answer of the refresh endpoint (<see cref="SesameTokenTheftContext"/>).
    /// </summary>
    public Func<SesameTokenTheftContext, Task> OnTokenTheftDetected { get; set; } = static _ => Task.CompletedTask;

    /// <summary>
    /// Raised before Sesame answers "unauthorised": a request that needs a session (a challenge of the Sesame scheme, sign-out) has none or
    /// its session has ended, or a refresh is refused. A handler may change the answer (<see cref="SesameUnauthorisedContext"/>).
    /// </summary>
    public Func<SesameUnauthorisedContext, Task> OnUnauthorised { get; set; } = NoUnauthorisedHandler;

    /// <summary>
    /// Raised before Sesame answers "try refresh token": a request that needs a session carries an expired or unverifiable access token.
    /// A handler may change the answer (<see cref="SesameTryRefreshContext"/>).
    /// </summary>
    public Func<SesameTryRefreshContext, Task> OnTryRefreshToken { get; set; } = NoTryRefreshHandler;

    /// <summary>
    /// Raised before Sesame answers "invalid claim": authorization of a request with a Sesame session failed (a session-claim validator,
    /// or a forbid of the Sesame scheme). A handler may change the answer, e.g. write a <c>ProblemDetails</c>
    /// (<see cref="SesameInvalidClaimContext.WriteProblemDetailsAsync"/>).
    /// </summary>
    public Func<SesameInvalidClaimContext, Task> OnInvalidClaim { get; set; } = NoInvalidClaimHandler;
}
