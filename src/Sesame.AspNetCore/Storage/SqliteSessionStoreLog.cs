using Microsoft.Extensions.Logging;

namespace Sesame.AspNetCore.Storage;

/// <summary>Log messages of <see cref="SqliteSessionStore"/> (event ids 5100-5199: storage, SQLite).</summary>
internal static partial class SqliteSessionStoreLog
{
    [LoggerMessage(5100, LogLevel.Information, "SQLite session store ready at {DatabasePath} (schema version {SchemaVersion}).", EventName = "SqliteStoreReady")]
    public static partial void StoreReady(ILogger logger, string databasePath, long schemaVersion);

    [LoggerMessage(5101, LogLevel.Information, "SQLite session store at {DatabasePath}: migrated schema from version {FromVersion} to {ToVersion}.", EventName = "SqliteSchemaMigrated")]
    public static partial void SchemaMigrated(ILogger logger, string databasePath, long fromVersion, long toVersion);

    [LoggerMessage(5102, LogLevel.Warning, "SQLite session store at {DatabasePath} is unavailable during {Operation} (SQLite error {ErrorCode}).", EventName = "SqliteStoreUnavailable")]
    public static partial void StoreUnavailable(ILogger logger, string databasePath, string operation, int errorCode, Exception exception);

    [LoggerMessage(5103, LogLevel.Debug, "SQLite session store deleted {Count} expired sessions.", EventName = "SqliteExpiredSessionsDeleted")]
    public static partial void ExpiredSessionsDeleted(ILogger logger, int count);

    [LoggerMessage(5104, LogLevel.Error, "SQLite session store at {DatabasePath} has schema version {FoundVersion}, newer than this library's {SupportedVersion}; refusing to use it.", EventName = "SqliteSchemaTooNew")]
    public static partial void SchemaTooNew(ILogger logger, string databasePath, long foundVersion, long supportedVersion);

    [LoggerMessage(5105, LogLevel.Warning, "SQLite file {Path} was readable by other users (mode {OldMode}); changed it to {NewMode}.", EventName = "SqliteFileModeTightened")]
    public static partial void FileModeTightened(ILogger logger, string path, string oldMode, string newMode);
}
