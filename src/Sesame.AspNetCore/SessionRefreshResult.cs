namespace Sesame.AspNetCore;

/// <summary>The result of <see cref="ISessionService.RefreshSessionAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Session">The refreshed session when <paramref name="Status"/> is <see cref="SessionRefreshStatus.Refreshed"/>.</param>
public sealed record SessionRefreshResult(SessionRefreshStatus Status, SesameSession? Session)
{
    /// <summary>The <see cref="SesameEvents.OnTokenTheftDetected"/> context of a theft, for the refresh endpoint's answer.</summary>
    internal SesameTokenTheftContext? TheftDetected { get; init; }
}
