using Microsoft.Extensions.Logging;

namespace Sesame.Storage.PostgreSql;

/// <summary>Log messages of <see cref="PostgreSqlSessionStore"/> (event ids 5200-5299: storage, PostgreSQL).</summary>
internal static partial class PostgreSqlSessionStoreLog
{
    [LoggerMessage(5200, LogLevel.Information, "PostgreSQL session store ready (schema version {SchemaVersion}).", EventName = "PostgreSqlStoreReady")]
    public static partial void StoreReady(ILogger logger, int schemaVersion);

    [LoggerMessage(5201, LogLevel.Information, "PostgreSQL session store: migrated schema from version {FromVersion} to {ToVersion}.", EventName = "PostgreSqlSchemaMigrated")]
    public static partial void SchemaMigrated(ILogger logger, int fromVersion, int toVersion);

    [LoggerMessage(5202, LogLevel.Warning, "PostgreSQL session store is unavailable during {Operation}.", EventName = "PostgreSqlStoreUnavailable")]
    public static partial void StoreUnavailable(ILogger logger, string operation, Exception exception);

    [LoggerMessage(5203, LogLevel.Debug, "PostgreSQL session store deleted {Count} expired sessions.", EventName = "PostgreSqlExpiredSessionsDeleted")]
    public static partial void ExpiredSessionsDeleted(ILogger logger, int count);

    [LoggerMessage(5204, LogLevel.Error, "PostgreSQL session store: the database has schema version {FoundVersion}, newer than this library's {SupportedVersion}; refusing to use it.", EventName = "PostgreSqlSchemaTooNew")]
    public static partial void SchemaTooNew(ILogger logger, int foundVersion, int supportedVersion);

    [LoggerMessage(5205, LogLevel.Information, "PostgreSQL session store: a pooled connection was broken during {Operation}; cleared the idle pool and retrying once on a fresh connection.", EventName = "PostgreSqlRetryingOnFreshConnection")]
    public static partial void RetryingOnFreshConnection(ILogger logger, string operation, Exception exception);
}
