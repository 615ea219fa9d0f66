using Microsoft.Extensions.Logging;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>Log lines of the Identity integration (event ids 5xxx). Never a token, password, code or security stamp.</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "Refused the refresh of session {SessionHandle} of user {UserId}: {Reason}",
        EventName = "IdentityRefreshRefused")]
    public static partial void RefreshRefused(ILogger logger, string sessionHandle, string userId, string reason);

    [LoggerMessage(5002, LogLevel.Information, "Revoked {Count} sessions of user {UserId} after a security change",
        EventName = "IdentitySessionsRevoked")]
    public static partial void SessionsRevoked(ILogger logger, int count, string userId);
}
