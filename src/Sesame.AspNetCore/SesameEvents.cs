namespace Sesame.AspNetCore;

/// <summary>Callbacks raised by the Sesame server, in the shape of <c>JwtBearerEvents</c>.</summary>
public sealed class SesameEvents
{
    /// <summary>Raised after a session was refreshed successfully.</summary>
    public Func<SesameSessionEventContext, Task> OnSessionRefreshed { get; set; } = static _ => Task.CompletedTask;

    /// <summary>
    /// Raised during a refresh, after the refresh token was found current and before new tokens are made: a handler may call
    /// <see cref="SesameRefreshingContext.Reject"/> (e.g. the user was deleted or locked out), and the session is then revoked and the
    /// refresh answered as unauthorised. Not raised for a replayed (stolen) token, which is revoked anyway.
    /// </summary>
    public Func<SesameRefreshingContext, Task> OnRefreshing { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Raised after a refresh token that had already been superseded was presented; the session is revoked by then.</summary>
    public Func<SesameSessionEventContext, Task> OnTokenTheftDetected { get; set; } = static _ => Task.CompletedTask;
}
