using Microsoft.Extensions.Logging;

namespace Sesame.Client.Internal;

/// <summary>Log messages of the client. Event ids: 1xxx requests, 2xxx refresh, 3xxx token store, 4xxx events. Never token values.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Request {Method} {Uri} answered {Status} (expired-session status); refreshing the session (attempt {Attempt}).", EventName = "SessionExpiredResponse")]
    public static partial void SessionExpiredResponse(ILogger logger, HttpMethod method, Uri? uri, int status, int attempt);

    [LoggerMessage(1002, LogLevel.Error, "{Message}", EventName = "RefreshLimitReached")]
    public static partial void RefreshLimitReached(ILogger logger, string message);

    [LoggerMessage(1003, LogLevel.Error, "The request {Method} {Uri} must be re-sent after a session refresh but its content cannot be replayed.", EventName = "NonReplayableContent")]
    public static partial void NonReplayableContent(ILogger logger, HttpMethod method, Uri? uri);

    [LoggerMessage(1004, LogLevel.Warning, "A response came from {Uri}, outside the interception scope (a redirect followed by the primary handler); its session headers were ignored.", EventName = "ForeignResponseIgnored")]
    public static partial void ForeignResponseIgnored(ILogger logger, Uri uri);

    [LoggerMessage(2001, LogLevel.Debug, "Refreshing the session at {Uri}.", EventName = "RefreshStarted")]
    public static partial void RefreshStarted(ILogger logger, Uri uri);

    [LoggerMessage(2002, LogLevel.Information, "Session refreshed in {ElapsedMs:0.0} ms.", EventName = "RefreshSucceeded")]
    public static partial void RefreshSucceeded(ILogger logger, double elapsedMs);

    [LoggerMessage(2003, LogLevel.Information, "Session refresh answered {Status}; the session {Outcome}.", EventName = "RefreshRejected")]
    public static partial void RefreshRejected(ILogger logger, int status, string outcome);

    [LoggerMessage(2004, LogLevel.Warning, "Session refresh at {Uri} failed: {Reason}. The session was kept.", EventName = "RefreshFailed")]
    public static partial void RefreshFailed(ILogger logger, Uri uri, string reason);

    [LoggerMessage(2005, LogLevel.Debug, "The session changed while this request waited; re-sending without refreshing again.", EventName = "RefreshedByOther")]
    public static partial void RefreshedByOther(ILogger logger);

    [LoggerMessage(2006, LogLevel.Debug, "The refresh lock was not acquired within {TimeoutMs} ms; re-checking the session.", EventName = "RefreshLockTimeout")]
    public static partial void RefreshLockTimeout(ILogger logger, double timeoutMs);

    [LoggerMessage(2012, LogLevel.Debug, "The access token expires in {RemainingMs} ms by the server's clock (RefreshBeforeExpiry {MarginMs} ms); refreshing before sending {Method} {Uri}.", EventName = "ProactiveRefresh")]
    public static partial void ProactiveRefresh(ILogger logger, long remainingMs, long marginMs, HttpMethod method, Uri? uri);

    [LoggerMessage(2013, LogLevel.Information, "The refresh before sending {Method} {Uri} did not succeed ({Reason}); sending it with the current session, as without ProactiveRefresh.", EventName = "ProactiveRefreshFailed")]
    public static partial void ProactiveRefreshFailed(ILogger logger, HttpMethod method, Uri? uri, string reason);

    [LoggerMessage(2011, LogLevel.Error, "{Message}", EventName = "RefreshLockGaveUp")]
    public static partial void RefreshLockGaveUp(ILogger logger, string message);

    [LoggerMessage(2007, LogLevel.Error, "{Message}", EventName = "FrontTokenMissing")]
    public static partial void FrontTokenMissing(ILogger logger, string message);

    [LoggerMessage(2008, LogLevel.Debug, "No local session state; probing the server with a refresh.", EventName = "Probe")]
    public static partial void Probe(ILogger logger);

    [LoggerMessage(2009, LogLevel.Debug, "The probe refresh found no session ({Reason}).", EventName = "ProbeFoundNoSession")]
    public static partial void ProbeFoundNoSession(ILogger logger, string reason);

    [LoggerMessage(2010, LogLevel.Warning, "Saving the session was not successful, this indicates a configuration error or a token store that does not keep writes.", EventName = "SaveNotSuccessful")]
    public static partial void SaveNotSuccessful(ILogger logger);

    [LoggerMessage(3001, LogLevel.Warning, "The token file {Path} could not be used ({Problem}); continuing without a session. It is replaced on the next login.", EventName = "TokenFileUnreadable")]
    public static partial void TokenFileUnreadable(ILogger logger, string path, string problem);

    [LoggerMessage(3002, LogLevel.Debug, "Deleted the stale temporary token file {Path} (last written {Age} ago, by a writer that stopped before renaming it).", EventName = "StaleTempFileDeleted")]
    public static partial void StaleTempFileDeleted(ILogger logger, string path, TimeSpan age);

    [LoggerMessage(3003, LogLevel.Debug, "Could not delete the stale temporary token file(s) at {Path}: {Problem}.", EventName = "StaleTempFileNotDeleted")]
    public static partial void StaleTempFileNotDeleted(ILogger logger, string path, string problem);

    [LoggerMessage(3004, LogLevel.Information, "The token file {Path} was written by the plain store; it is now encrypted with Data Protection.", EventName = "TokenFileProtected")]
    public static partial void TokenFileProtected(ILogger logger, string path);

    [LoggerMessage(4001, LogLevel.Warning, "A session event handler threw while handling {EventType}; the exception was ignored.", EventName = "EventHandlerFailed")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception, SessionEventType eventType);
}
